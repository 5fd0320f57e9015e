"""The throughput sweep of ``sockutil.throughput`` as a picture: bytes per second against buffer size.

Both axes are logarithmic: the buffer sizes run from 1 byte to 1 MiB (a
factor of a million) and the speeds over three or four powers of ten. On
such axes "throughput in proportion to the buffer size" is a straight line
at 45 degrees; the figure draws it, thin and grey, from the first method's
smallest point, so the reader sees where the measured lines follow it (a
fixed cost per call: the calls are the bottleneck) and where they bend away
from it (the bytes themselves: copying them costs more than the call).

Colour is never the only carrier (WCAG 2.1, 1.4.1): each method has its own
line style and marker as well as its colour, and the legend shows all three.
The function returns a matplotlib ``Figure`` closed in pyplot, with its text
equivalent (``describe.throughput_vs_buffer``) attached, as every function of
``sockutil.plots`` does.
"""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from ..throughput import Transfer
from .figure_text import finish
from .throughput_text import TITLE, size_label, throughput_vs_buffer as describe_throughput

__all__ = ["throughput_vs_buffer", "STYLES"]

#: Each method's colour (3:1 or more on white, WCAG 1.4.11), line style and marker; the text twin
#: (``throughput_text.METHOD_LOOKS``) says the same in words.
STYLES = {
    "send": {"color": "#1f77b4", "linestyle": "-", "marker": "o"},
    "sendall": {"color": "#d95f02", "linestyle": "--", "marker": "s"},
    "sendfile": {"color": "#1b7837", "linestyle": ":", "marker": "^"},
}

#: The guide line of a fixed time per call: dark grey, thin, dash-dotted, no marker.
GUIDE = {"color": "#595959", "linestyle": "-.", "linewidth": 1.0}


def _speed_label(value: float, _position: object = None) -> str:
    """``1 kB/s``, ``10 MB/s``, ``1 GB/s``: decimal units, as network speeds are given."""
    for unit, name in ((1e9, "GB/s"), (1e6, "MB/s"), (1e3, "kB/s")):
        if value >= unit:
            return f"{value / unit:g} {name}"
    return f"{value:g} B/s"


def throughput_vs_buffer(transfers: Sequence[Transfer], title: str = TITLE) -> Figure:
    """One line per method: throughput (log) against the sender's buffer size (log), with a guide line."""
    lines: dict[str, list[Transfer]] = {}
    for result in transfers:
        lines.setdefault(result.method, []).append(result)
    fig, ax = plt.subplots(figsize=(8, 4.8))
    sizes = sorted({t.buffer_size for t in transfers})
    for method, points in lines.items():
        points = sorted(points, key=lambda t: t.buffer_size)
        style = STYLES.get(method, {"color": "#000000", "linestyle": "-", "marker": "x"})
        ax.plot([t.buffer_size for t in points], [t.bytes_per_second for t in points],
                label=method, markersize=6, linewidth=1.8, **style)
    if lines:
        first = sorted(next(iter(lines.values())), key=lambda t: t.buffer_size)[0]
        if first.bytes_per_second > 0:
            top = max(t.bytes_per_second for t in transfers)
            guide_sizes = [s for s in sizes if first.bytes_per_second * s / first.buffer_size <= top * 1.5]
            ax.plot(guide_sizes, [first.bytes_per_second * s / first.buffer_size for s in guide_sizes],
                    label="a fixed time per call", **GUIDE)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.xaxis.set_major_locator(FixedLocator(sizes))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: size_label(int(round(value)))))
    ax.yaxis.set_major_formatter(FuncFormatter(_speed_label))
    ax.tick_params(axis="x", labelrotation=45)
    ax.set_xlabel("buffer size: bytes offered per call (log scale)")
    ax.set_ylabel("throughput (log scale)")
    ax.grid(alpha=0.3, which="major")
    if lines:
        ax.legend(loc="upper left", fontsize=9)
    ax.set_title(f"{title}\n(this run's speeds: they vary from run to run)", fontsize=11)
    return finish(fig, describe_throughput(transfers, title))

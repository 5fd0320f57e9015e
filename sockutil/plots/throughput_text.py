"""The text twin of ``plots.throughput_vs_buffer``: a throughput sweep in words and numbers.

It lives in a module of its own (``describe`` hands it on under the same
name) so that the twin stays beside the figure it describes, and because
it needs none of matplotlib: ``describe.throughput_vs_buffer(results)``
works wherever ``sockutil.throughput`` does.

``what`` says how to read the figure and never quotes a measured value: the
speeds change from run to run and from machine to machine, so a notebook
prints ``what`` and the findings (relations that hold by a wide margin), and
a reader who wants this run's numbers asks for ``text.table()``.
"""

from __future__ import annotations

from typing import Sequence

from ..throughput import Transfer
from .figure_text import FigureText

__all__ = ["METHOD_LOOKS", "size_label", "throughput_vs_buffer", "FAST_RATIO"]

#: How each method's line looks, in words; the figure draws exactly these.
METHOD_LOOKS = {
    "send": "solid line, circles",
    "sendall": "dashed line, squares",
    "sendfile": "dotted line, triangles",
}

#: A finding says "more than FAST_RATIO times as fast" when the largest buffer beats the smallest by that much:
#: on loopback the ratio from 1 B to 1 MiB is in the thousands, so the sentence holds on every run.
FAST_RATIO = 100

TITLE = "Throughput against buffer size, over loopback"


def size_label(size: int) -> str:
    """``1 B``, ``64 B``, ``4 KiB``, ``1 MiB``: a buffer size as the axis writes it."""
    for unit, name in ((1 << 20, "MiB"), (1 << 10, "KiB")):
        if size >= unit and size % unit == 0:
            return f"{size // unit} {name}"
    return f"{size} B"


def _by_method(transfers: Sequence[Transfer]) -> dict[str, list[Transfer]]:
    lines: dict[str, list[Transfer]] = {}
    for result in transfers:
        lines.setdefault(result.method, []).append(result)
    return {method: sorted(points, key=lambda t: t.buffer_size) for method, points in lines.items()}


def _calls_finding(lines: dict[str, list[Transfer]]) -> str:
    exact = [m for m, points in lines.items() if all(t.calls == t.calls_needed for t in points)]
    more = [m for m, points in lines.items() if m not in exact and all(t.calls >= t.calls_needed for t in points)]
    parts = []
    if exact:
        parts.append(f"{', '.join(exact)} made exactly ⌈bytes sent / buffer size⌉ calls at every point")
    if more:
        parts.append(f"{', '.join(more)} made at least that many (a call may take only part of a buffer)")
    return ("; ".join(parts) + ".") if parts else "Some points made fewer calls than the bytes needed."


def _speedup_finding(method: str, points: list[Transfer]) -> str:
    small, large = points[0], points[-1]
    if small.bytes_per_second <= 0:
        return f"{method}: the {size_label(small.buffer_size)} transfer moved no bytes."
    ratio = large.bytes_per_second / small.bytes_per_second
    how = f"more than {FAST_RATIO} times" if ratio > FAST_RATIO else f"{ratio:.1f} times"
    return (f"{method}: {size_label(large.buffer_size)} buffers were {how} as fast as "
            f"{size_label(small.buffer_size)} buffers.")


def throughput_vs_buffer(transfers: Sequence[Transfer], title: str = TITLE) -> FigureText:
    """The figure's text: how to read it, relations that hold on every run, and this run's numbers."""
    lines = _by_method(transfers)
    looks = "; ".join(f"{method} ({METHOD_LOOKS.get(method, 'a line')})" for method in lines)
    sizes = sorted({t.buffer_size for t in transfers})
    span = f", {size_label(sizes[0])} to {size_label(sizes[-1])}" if sizes else ""
    findings = [_calls_finding(lines)] if lines else []
    findings += [_speedup_finding(method, points) for method, points in lines.items() if len(points) > 1]
    rows = tuple(
        (t.method, t.buffer_size, f"{t.bytes_per_second / 1e6:.3g}", t.calls, t.sent,
         f"{t.seconds_per_call * 1e6:.3g}")
        for points in lines.values() for t in points
    )
    return FigureText(
        title=title,
        what=("Throughput in bytes per second (up, log scale) against the sender's buffer size, the bytes "
              f"offered per call (across, log scale{span}), one line per method: {looks}. A thin "
              "grey dash-dotted line from the first line's smallest point shows what a fixed time per call "
              "would give: throughput in proportion to the buffer size. The speeds are this run's: they "
              "vary from run to run and from machine to machine, while the shape varies far less."),
        findings=tuple(findings),
        columns=("method", "buffer (bytes)", "MB/s", "calls", "bytes sent", "µs per call"),
        rows=rows,
    )

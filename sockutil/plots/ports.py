"""The port number line: IANA's three ranges, the OS's ephemeral range, well-known services.

Why a figure: "65536 ports in three ranges" is easier to hold as a picture,
and the interesting ports (22, 80, 443) sit so close to 0 that a single
linear axis squashes them into one pixel. So the figure has two panels: the
whole range 0-65535 on top, and the first ports enlarged below.

The OS's own ephemeral range differs between machines (Linux often uses
32768-60999, macOS and Windows IANA's 49152-65535); the figure draws whatever
it is given, so a notebook can pass ``names.ephemeral_port_range()``. nbval
does not compare images, so the picture may differ between machines while
the notebook's text does not.

Every range is named in words on the picture, not by its colour alone; the
text equivalent (``describe``) lists the ranges and marks. The machine's
ephemeral range is one of its findings, not a row of its table, so a
notebook can print the table the same on every machine.

matplotlib is imported only here; the figure is closed in pyplot before it is
returned, so a cell ending with the call shows it exactly once.
"""

from __future__ import annotations

from typing import Mapping

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from . import describe
from .figure_text import finish

__all__ = ["IANA_RANGES", "port_ranges"]

#: RFC 6335's ranges: (name, first, last, colour).
IANA_RANGES: tuple[tuple[str, int, int, str], ...] = (
    ("well-known (system)", 0, 1023, "#fdae6b"),
    ("registered (user)", 1024, 49151, "#9ecae1"),
    ("dynamic / ephemeral", 49152, 65535, "#c7e9c0"),
)

#: The enlarged lower panel shows ports 0 up to this number.
ZOOM_END = 1100


def port_ranges(
    ephemeral: tuple[int, int] | None = None,
    marks: Mapping[str, int] | None = None,
    title: str = "65536 ports, 0–65535",
) -> Figure:
    """Draw the port number line with IANA's ranges, ``ephemeral`` (the OS's range) and ``marks``.

    ``marks`` maps a label to a port, e.g. ``{"ssh": 22, "http": 80}``; ports
    below ``ZOOM_END`` are marked in the enlarged panel, the others on top.
    """
    marks = dict(marks or {})
    fig, (top, zoom) = plt.subplots(2, 1, figsize=(10, 4.2), gridspec_kw={"height_ratios": [1.25, 1]})

    def bands(ax, end: int) -> None:
        for name, first, last, colour in IANA_RANGES:
            if first > end:
                continue
            ax.add_patch(Rectangle((first, 0), min(last, end) + 1 - first, 1, fc=colour, ec="#333333", lw=0.6))

    bands(top, 65535)
    for name, first, last, _ in IANA_RANGES:
        count = last - first + 1
        text = f"{name}\n{first}–{last}\n({count} ports)"
        if last - first < 4000:  # too narrow to hold its label: write it below, pointing at it
            top.annotate(text.replace("\n", " ", 1), xy=(first + count / 2, 0), xytext=(first, -0.25),
                         ha="left", va="top", fontsize=8, arrowprops=dict(arrowstyle="-", lw=0.6))
        else:
            top.text((first + last) / 2, 0.5, text, ha="center", va="center", fontsize=8)
    if ephemeral is not None:
        low, high = ephemeral
        top.add_patch(Rectangle((low, -0.55), high - low + 1, 0.3, fc="#6a51a3", ec="none"))
        top.text((low + high) / 2, -0.62, f"this OS's ephemeral range: {low}–{high}", ha="center",
                 va="top", fontsize=8, color="#6a51a3")
    for label, port in sorted(marks.items(), key=lambda item: item[1]):
        if port >= ZOOM_END:
            top.plot([port, port], [1.0, 1.35], color="black", lw=1)
            top.text(port, 1.4, f"{label}: {port}", ha="center", va="bottom", fontsize=8)
    top.set_xlim(-500, 66036)
    top.set_ylim(-1.2, 1.9)
    top.set_yticks([])
    top.set_xticks([0, 16384, 32768, 49152, 65535])
    top.tick_params(axis="x", labelsize=8)
    for side in ("left", "right", "top"):
        top.spines[side].set_visible(False)
    top.set_title(title, fontsize=10)

    bands(zoom, ZOOM_END)
    zoom.text(512, 0.5, "well-known 0–1023: standard services", ha="center", va="center", fontsize=8)
    small = sorted(((port, label) for label, port in marks.items() if port < ZOOM_END))
    for i, (port, label) in enumerate(small):
        lift = 0.3 if i % 2 == 0 else 0.75  # stagger neighbours (22 and 80) so labels don't collide
        zoom.plot([port, port], [1.0, 1.0 + lift], color="black", lw=1)
        zoom.text(port, 1.05 + lift, f"{label}: {port}", ha="center", va="bottom", fontsize=8)
    zoom.set_xlim(-10, ZOOM_END)
    zoom.set_ylim(-0.2, 2.3)
    zoom.set_yticks([])
    zoom.set_xticks([0, 256, 512, 768, 1024])
    zoom.tick_params(axis="x", labelsize=8)
    for side in ("left", "right", "top"):
        zoom.spines[side].set_visible(False)
    zoom.set_title(f"enlarged: ports 0–{ZOOM_END}", fontsize=9)
    zoom.set_xlabel("port number")
    return finish(fig, describe.port_ranges(ephemeral, marks, title))

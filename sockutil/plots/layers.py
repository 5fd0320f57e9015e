"""The picture of encapsulation: each layer's header in front of the layer above.

Why a figure: a student who has packed an Ethernet, an IPv4 and a TCP header
by hand still has to see how they nest. One row per layer, from the
application's bytes at the top to the Ethernet frame at the bottom; each row
is the row above with one more header in front (and, for Ethernet, the frame
check sequence behind). The application's bytes stay in the same column in
every row, so the headers visibly pile up to the left.

Sizes: headers are drawn to scale with each other (a 20-byte header is twice
as wide as a 10-byte one would be), and every box is labelled with its byte
count. A payload too big to draw at that scale (1460 bytes beside a 20-byte
header) is drawn shortened, with a zig-zag break and the words "not to scale".

Colour only helps here: every box carries its name and size in words, and
this layer's own header is outlined more strongly, with a bold label, than
the inner layers' (lighter) ones. The text equivalent (``describe``) lists
every row's sizes.

matplotlib is imported only here; ``import sockutil`` stays light. Like
``sockutil.plots``, the function closes its figure in pyplot before returning
it, so a notebook cell that ends with the call shows it exactly once.
"""

from __future__ import annotations

from typing import Mapping, NamedTuple, Sequence

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from . import describe
from .figure_text import finish

__all__ = ["Layer", "TCP_IPV4_ETHERNET", "encapsulation"]


class Layer(NamedTuple):
    """One layer's wrapping: its header (and trailer) sizes in bytes, and what it calls the result."""

    name: str  #: e.g. "TCP"
    header: int  #: bytes in front
    trailer: int = 0  #: bytes behind (Ethernet's frame check sequence)
    unit: str = ""  #: what the wrapped bytes are called: "segment", "packet", "frame"
    trailer_name: str = "trailer"  #: label of the trailer box, e.g. "FCS"


#: TCP over IPv4 over Ethernet, without options: the sizes of notebook 03.
TCP_IPV4_ETHERNET: tuple[Layer, ...] = (
    Layer("TCP", 20, unit="segment"),
    Layer("IPv4", 20, unit="packet"),
    Layer("Ethernet", 14, 4, unit="frame", trailer_name="FCS"),
)

#: Fill colours: the application's bytes first, then one per layer, top to bottom.
COLOURS = ("#c7e9c0", "#9ecae1", "#fdae6b", "#bcbddc", "#fdd0a2", "#d9d9d9")

#: Width of one byte, in drawing units (headers are drawn to this scale).
UNIT_PER_BYTE = 0.1
#: The widest a payload is drawn; anything larger is cut with a break mark.
MAX_PAYLOAD_WIDTH = 6.0
ROW_HEIGHT = 0.62


def _zigzag(ax, x: float, y: float, height: float) -> None:
    """A white zig-zag across a box at ``x``: the payload is cut here (not to scale)."""
    steps = 6
    ys = [y + height * i / steps for i in range(steps + 1)]
    xs = [x + (0.08 if i % 2 else -0.08) for i in range(steps + 1)]
    ax.add_line(Line2D(xs, ys, color="white", lw=5, solid_capstyle="butt", zorder=3))
    ax.add_line(Line2D([v - 0.06 for v in xs], ys, color="#555555", lw=0.8, zorder=4))
    ax.add_line(Line2D([v + 0.06 for v in xs], ys, color="#555555", lw=0.8, zorder=4))


def encapsulation(
    payload_size: int,
    layers: Sequence[Layer] = TCP_IPV4_ETHERNET,
    payload_name: str = "application data",
    notes: Mapping[str, str] | None = None,
    title: str | None = None,
) -> Figure:
    """Draw the application's ``payload_size`` bytes wrapped by each of ``layers`` in turn.

    ``layers`` go from the top (the transport layer, wrapping the application's
    bytes) to the bottom (the link layer, wrapping everything). ``notes`` adds a
    remark to the total shown at the right of a layer's row, e.g.
    ``{"IPv4": "= the MTU"}``.
    """
    text = describe.encapsulation(payload_size, layers, payload_name, notes, title)  # checks the size too
    notes = dict(notes or {})
    to_scale = payload_size * UNIT_PER_BYTE <= MAX_PAYLOAD_WIDTH
    payload_width = max(payload_size * UNIT_PER_BYTE, 0.5) if to_scale else MAX_PAYLOAD_WIDTH

    rows = len(layers) + 1
    left_total = sum(layer.header for layer in layers) * UNIT_PER_BYTE
    right_total = sum(layer.trailer for layer in layers) * UNIT_PER_BYTE
    fig, ax = plt.subplots(figsize=(11, 0.95 * rows + 1.3))

    def box(x: float, y: float, width: float, colour: str, label: str, strong: bool) -> None:
        ax.add_patch(Rectangle((x, y), width, ROW_HEIGHT, fc=colour, ec="#333333",
                               lw=1.2 if strong else 0.6, alpha=1.0 if strong else 0.55, zorder=2))
        if width >= 0.9:
            ax.text(x + width / 2, y + ROW_HEIGHT / 2, label, ha="center", va="center",
                    fontsize=8, zorder=5, weight="bold" if strong else "normal")
        else:  # too narrow to hold its label: put it above the box, one word per line
            # (on one line, "FCS 4 B" is wider than the box and crowds its neighbours)
            ax.text(x + width / 2, y + ROW_HEIGHT + 0.04, label, ha="center", va="bottom",
                    fontsize=7, linespacing=1.0, zorder=5)

    def payload_box(y: float, strong: bool) -> None:
        box(0.0, y, payload_width, COLOURS[0], f"{payload_name}\n{payload_size} B", strong)
        if not to_scale:
            _zigzag(ax, payload_width * 0.82, y, ROW_HEIGHT)

    # Row 0: the application's bytes alone.
    y = (rows - 1) * 1.0
    payload_box(y, True)
    ax.text(-left_total - 0.3, y + ROW_HEIGHT / 2, "application", ha="right", va="center", fontsize=9)
    ax.text(payload_width + right_total + 0.3, y + ROW_HEIGHT / 2, f"{payload_size} B",
            ha="left", va="center", fontsize=9)

    size = payload_size
    for k, layer in enumerate(layers, start=1):
        y = (rows - 1 - k) * 1.0
        size += layer.header + layer.trailer
        # Leftwards from the payload: the inner layers' headers (lighter), this layer's own last (strong).
        x = 0.0
        for j in range(1, k + 1):
            inner = layers[j - 1]
            width = inner.header * UNIT_PER_BYTE
            x -= width
            box(x, y, width, COLOURS[j % len(COLOURS)], f"{inner.name}\nheader\n{inner.header} B", j == k)
        payload_box(y, False)
        x = payload_width
        for j in range(1, k + 1):
            inner = layers[j - 1]
            if inner.trailer:
                width = inner.trailer * UNIT_PER_BYTE
                box(x, y, width, COLOURS[j % len(COLOURS)], f"{inner.trailer_name}\n{inner.trailer} B", j == k)
                x += width
        # Dashed guides: the whole row above is this layer's payload.
        above_left = -sum(l.header for l in layers[: k - 1]) * UNIT_PER_BYTE
        above_right = payload_width + sum(l.trailer for l in layers[: k - 1]) * UNIT_PER_BYTE
        for gx in (above_left, above_right):
            ax.add_line(Line2D([gx, gx], [y + ROW_HEIGHT, y + 1.0], color="#777777", lw=0.8,
                               linestyle=(0, (3, 3)), zorder=1))
        name = f"{layer.name} {layer.unit}".strip()
        ax.text(-left_total - 0.3, y + ROW_HEIGHT / 2, name, ha="right", va="center", fontsize=9)
        total = f"{size} B" + (f" {notes[layer.name]}" if layer.name in notes else "")
        ax.text(payload_width + right_total + 0.3, y + ROW_HEIGHT / 2, total, ha="left",
                va="center", fontsize=9)

    ax.set_xlim(-left_total - 2.6, payload_width + right_total + 2.6)
    ax.set_ylim(-0.3, rows - 1 + ROW_HEIGHT + 0.45)
    ax.axis("off")
    ax.set_title(text.title, fontsize=10)
    return finish(fig, text)

"""Figures for the lessons: what students would rather see than read.

Each function draws from real data (a ``Trace`` of socket calls, the chunks
``recv`` returned, measured times) and returns a matplotlib ``Figure``. The
figure is closed in pyplot before it is returned, so a notebook cell that
ends with the call shows it exactly once.

Colour is never the only thing that tells two kinds apart (WCAG 2.1, 1.4.1):
every call box names its call, the three kinds of arrow differ in line style
(``ARROW_STYLES``), neighbouring chunks alternate plain and hatched, each
model's line has its own marker and dash, and the race's clients differ in
marker shape. Each function attaches its text equivalent (``describe``).

matplotlib is imported only here (and only when this module is imported), so
``import sockutil`` stays light.
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Rectangle

from ..trace import Call, Trace
from . import describe
from .figure_text import finish
from .trace_arrows import HANDSHAKE, call_label, message_arrows

__all__ = [
    "sequence_diagram",
    "message_arrows",
    "chunk_sizes",
    "chunkings",
    "completion_times",
    "race_panels",
]

#: Text colour of each call's box: dark enough for 4.5:1 contrast on white
#: (WCAG 1.4.3), and never needed, since the box names its call.
CALL_COLOURS = {
    "socket": "#595959",
    "bind": "#595959",
    "listen": "#595959",
    "accept": "#1f77b4",
    "connect": "#1f77b4",
    "send": "#1e7b1e",
    "sendall": "#1e7b1e",
    "recv": "#d62728",
    "shutdown": "#7a4fb0",
    "close": "#7a4fb0",
}


#: Each kind of arrow: (colour, line style). The styles differ, so the kinds
#: stay apart without colour: dash-dot segments that carry no data, solid
#: bytes, a dashed end of stream.
ARROW_STYLES = {"handshake": ("#1f77b4", "-."), "data": ("#2ca02c", "-"), "FIN": ("#9467bd", "--")}

#: The slow client's square in ``race_panels``: a dark orange, 3.8:1 on white (WCAG 1.4.11 asks 3:1).
SLOW_COLOUR = "#d95f02"

#: Markers and dashes for one line per model (``completion_times``), taken in turn.
MODEL_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
MODEL_DASHES = ("-", "--", "-.", ":")


#: Rows of extra height a traced handshake takes below its ``connect``: 0.7 of
#: a row per segment, so that the three arrows slope like real segments and
#: their names fit between them.
HANDSHAKE_ROWS = 2.1


def sequence_diagram(trace: Trace | Sequence[Call], title: str = "Socket calls, in order") -> Figure:
    """A sequence diagram of real calls: one lane per actor, time flowing down.

    Arrows show what the network carried: the handshake's three segments
    (SYN, SYN-ACK, ACK) below each ``connect``, bytes from each ``send`` to the
    ``recv`` calls that got them, and the end of stream from ``close`` to the
    ``recv`` that returned ``b""``.

    Why the handshake is drawn under ``connect`` and not at ``accept``:
    ``connect`` sends the SYN and returns once the SYN-ACK has come back (its
    kernel sends the ACK); the server's kernel answers by itself and queues
    the connection when the ACK arrives, and ``accept`` only takes it out of
    that queue, maybe much later. A dotted line marks that wait.
    """
    calls = trace.calls if isinstance(trace, Trace) else list(trace)
    actors: list[str] = []
    for call in calls:
        if call.actor not in actors:
            actors.append(call.actor)
    arrows = message_arrows(calls)
    shaken = {start: end for start, end, kind in arrows if kind == "handshake"}
    x_of = {actor: i * 4.0 for i, actor in enumerate(actors)}
    y_of: dict[int, float] = {}
    row = 0.0
    for call in calls:
        y_of[call.seq] = row
        row -= 1 + (HANDSHAKE_ROWS if call.seq in shaken else 0)
    bottom = row + 1  # the last call's row
    height = max(3.0, 0.42 * (1 - bottom) + 1.2)
    fig, ax = plt.subplots(figsize=(3.2 * max(2, len(actors)), height))
    for actor, x in x_of.items():
        ax.plot([x, x], [0.6, bottom - 0.6], color="#bbbbbb", lw=1, zorder=0)
        ax.text(x, 0.9, actor, ha="center", va="bottom", fontsize=11, weight="bold")
    for call in calls:
        x, y = x_of[call.actor], y_of[call.seq]
        colour = CALL_COLOURS.get(call.name, "black")
        ax.text(x, y, call_label(call), ha="center", va="center", fontsize=9, color=colour,
                bbox=dict(boxstyle="round,pad=0.25", fc="white", ec=colour, lw=0.8))
    by_seq = {call.seq: call for call in calls}

    def arrow(x0: float, y0: float, x1: float, y1: float, kind: str) -> None:
        colour, style = ARROW_STYLES[kind]
        ax.add_patch(FancyArrowPatch((x0, y0), (x1, y1), arrowstyle="-|>", mutation_scale=12,
                                     color=colour, linestyle=style, lw=1.1))

    for start, end, kind in arrows:
        a, b = by_seq[start], by_seq[end]
        x0, x1 = x_of[a.actor], x_of[b.actor]
        if x0 == x1:
            continue
        shift = 0.95 if x1 > x0 else -0.95
        if kind == "handshake":
            _draw_handshake(ax, arrow, x0, x1, shift, y_of[start], y_of[end] if b.name == "accept" else None)
        else:
            arrow(x0 + shift, y_of[start], x1 - shift, y_of[end], kind)
    ax.legend(
        handles=[Line2D([], [], color=c, linestyle=ls) for c, ls in ARROW_STYLES.values()],
        labels=["handshake: SYN, SYN-ACK, ACK (connect returns once the SYN-ACK is in)",
                "bytes (send → recv)", "end of stream (close → recv b'')"],
        loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=1, fontsize=8, frameon=False,
    )
    ax.set_xlim(-2.2, x_of[actors[-1]] + 2.2 if actors else 2.2)
    ax.set_ylim(bottom - 0.8, 1.5)
    ax.axis("off")
    ax.set_title(title)
    return finish(fig, describe.sequence_diagram(calls, title))


def _draw_handshake(ax, arrow, x_client: float, x_server: float, shift: float,
                    y: float, y_accept: float | None) -> None:
    """SYN, SYN-ACK and ACK below the ``connect`` at row ``y``, half a row each.

    The first arrow leaves the ``connect`` label's edge; the others run lane to
    lane. Where the ACK lands, the connection is queued: a dotted line leads
    down to the ``accept`` that takes it, if the trace has one.
    """
    step = HANDSHAKE_ROWS / len(HANDSHAKE)
    colour = ARROW_STYLES["handshake"][0]
    for index, (name, sender) in enumerate(HANDSHAKE):
        y0, y1 = y - index * step, y - (index + 1) * step
        if sender == "client":
            x0, x1 = (x_client + shift if index == 0 else x_client), x_server
        else:
            x0, x1 = x_server, x_client
        arrow(x0, y0, x1, y1, "handshake")
        ax.text((x0 + x1) / 2, (y0 + y1) / 2 + 0.05, name, fontsize=7, color=colour,
                ha="center", va="bottom")
        if name == "SYN-ACK":  # what connect() waits for
            ax.text(x_client - shift * 0.1, y1, "connect returns", fontsize=7, color=colour,
                    ha="right" if shift > 0 else "left", va="center")  # outside the lanes
    landed = y - HANDSHAKE_ROWS
    ax.text(x_server - shift * 0.1, landed, "queued", fontsize=7, color=colour,
            ha="left" if shift < 0 else "right", va="top")
    if y_accept is not None and y_accept < landed:
        ax.plot([x_server, x_server], [landed, y_accept + 0.3], color=colour, linestyle=":", lw=1.2)


def chunk_sizes(chunks: Sequence[bytes | int], title: str = "What each recv() returned") -> Figure:
    """One bar per ``recv`` call: how many bytes it returned, in order."""
    text = describe.chunk_sizes(chunks, title)
    sizes = text.column("bytes")
    fig, ax = plt.subplots(figsize=(7, 3))
    ax.bar(range(1, len(sizes) + 1), sizes, color="#d62728")
    ax.set_xlabel("recv() call, in order")
    ax.set_ylabel("bytes returned")
    ax.set_title(text.title)
    ax.set_xticks(range(1, len(sizes) + 1) if len(sizes) <= 30 else ax.get_xticks())
    return finish(fig, text)


def chunkings(rows: Mapping[str, Sequence[bytes | int]], title: str = "The same bytes, cut differently") -> Figure:
    """Each row a stream of the same bytes, drawn as segments as long as each chunk.

    Neighbouring chunks alternate in colour and in hatching, and every box is
    outlined, so the cuts show without colour too.
    """
    fig, ax = plt.subplots(figsize=(8, 0.7 * len(rows) + 1.2))
    for i, (label, chunks) in enumerate(rows.items()):
        start = 0
        for j, chunk in enumerate(chunks):
            size = chunk if isinstance(chunk, int) else len(chunk)
            ax.add_patch(Rectangle((start, -i - 0.35), size, 0.7, fc=("#ff9896" if j % 2 else "#aec7e8"),
                                   hatch=("///" if j % 2 else None), ec="#333333", lw=0.8))
            start += size
    total = max((sum(c if isinstance(c, int) else len(c) for c in chunks) for chunks in rows.values()), default=1)
    ax.set_xlim(0, total)
    ax.set_ylim(-len(rows) + 0.4, 0.6)
    ax.set_yticks([-i for i in range(len(rows))], list(rows))
    ax.set_xlabel("byte position in the stream")
    ax.set_title(title)
    return finish(fig, describe.chunkings(rows, title))


def completion_times(results: Mapping[str, Sequence[float]], unit: str = "s",
                     title: str = "When each client finished") -> Figure:
    """For each server model, the completion time of each client (sorted), as points and lines.

    Each model's line has its own marker and dash as well as its own colour.
    """
    fig, ax = plt.subplots(figsize=(7, 3.5))
    for index, (label, times) in enumerate(results.items()):
        ordered = sorted(times)
        ax.plot(range(1, len(ordered) + 1), ordered, label=label,
                marker=MODEL_MARKERS[index % len(MODEL_MARKERS)],
                linestyle=MODEL_DASHES[index % len(MODEL_DASHES)])
    ax.set_xlabel("clients finished (sorted by time)")
    ax.set_ylabel(f"time since start ({unit})")
    ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    return finish(fig, describe.completion_times(results, unit, title))


RaceLike = describe.RaceLike


def race_panels(races: Mapping[str, RaceLike], title: str = "When each client finished",
                unit: str = "s") -> Figure:
    """One panel per server model: the fast clients' finishing times, the slow client's, and
    the moment the slow client sent its line.

    Why panels and not one axis: under the three concurrent models the
    clients finish at nearly the same times, so their lines would lie on top
    of each other. Clients that got no answer (``math.inf``) are left out.
    """
    count = max(1, len(races))
    columns = 2 if count > 1 else 1
    rows = math.ceil(count / columns)
    height = 2.2 * rows + 0.6
    fig, axes = plt.subplots(rows, columns, figsize=(7, height), sharex=True, squeeze=False)
    flat = [ax for row in axes for ax in row]
    finite_times = [t for race in races.values()
                    for t in [race.slow, race.slow_sent, *race.fast] if math.isfinite(t)]
    right = max(finite_times, default=1.0) * 1.1 or 1.0
    for ax, (label, race) in zip(flat, races.items()):
        fast = sorted(t for t in race.fast if math.isfinite(t))
        ax.plot(fast, range(1, len(fast) + 1), "o", color="#1f77b4", label="fast client")
        if math.isfinite(race.slow):
            ax.plot([race.slow], [len(race.fast) + 1], "s", color=SLOW_COLOUR,
                    label="slow client")
        if math.isfinite(race.slow_sent):
            ax.axvline(race.slow_sent, color="#d62728", linestyle=":",
                       label="slow client sends")
        ax.set_title(label, fontsize=10)
        ax.set_xlim(0, right)
        ax.set_ylim(0, len(race.fast) + 2)
        ax.set_ylabel("client")
        ax.grid(alpha=0.3)
    for ax in flat[len(races):]:
        ax.set_visible(False)
    # The legend is built, not collected from the first panel: that panel may lack a slow client.
    handles = [Line2D([], [], marker="o", linestyle="", color="#1f77b4"),
               Line2D([], [], marker="s", linestyle="", color=SLOW_COLOUR),
               Line2D([], [], linestyle=":", color="#d62728")]
    fig.legend(handles, ["fast client", "slow client", "slow client sends"], loc="lower center", ncol=3,
               fontsize=9, frameon=False)
    # Below the panels, in inches from the bottom: the legend, then the axis label above it.
    fig.supxlabel(f"time since the slow client connected ({unit})", y=0.3 / height, va="bottom", fontsize=10)
    fig.suptitle(title)
    return finish(fig, describe.race_panels(races, title, unit), rect=(0, 0.3 / height, 1, 1))

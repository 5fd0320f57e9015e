"""Figures of simulated transfers (``sockutil.netsim``): what loss and retransmission look like.

Three pictures, each drawn only from a ``Transfer`` (or a loss sweep) so that
the same seed always gives the same figure:

* ``ladder``: the classic sender/receiver diagram, time flowing down, one
  arrow per packet; lost packets stop half-way with a cross.
* ``time_sequence``: byte position against time (the "time-sequence graph"
  of tcptrace and Wireshark): segments as vertical bars, ACKs as a staircase,
  timeouts as dotted lines. It stays readable for long transfers.
* ``goodput_vs_loss``: useful bytes per unit time, and retransmissions,
  against the loss rate.

Colour is never the only carrier (WCAG 2.1, 1.4.1): a resent segment is
drawn thicker (ladder) or dashed (time-sequence graph) and its label says
"resent"; data and ACKs run in opposite directions and are labelled
differently; a loss is a cross, a timeout a diamond or a dotted line; the
legend shows each kind's line style and marker.

Each function returns a matplotlib ``Figure`` closed in pyplot (as in
``sockutil.plots``), with its text equivalent (``describe``) attached, so a
cell that ends with the call shows it once.
matplotlib is imported only here; ``netsim`` itself stays standard-library only.
"""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch

from ..netsim import Packet, SweepPoint, Transfer
from . import describe
from .figure_text import finish

__all__ = ["ladder", "time_sequence", "goodput_vs_loss", "COLOURS"]

#: Line and marker colours; each has 3:1 contrast or more on white (WCAG 1.4.11).
COLOURS = {
    "data": "#1f77b4",
    "resend": "#d95f02",
    "copy": "#7f7f7f",
    "ack": "#2ca02c",
    "lost": "#d62728",
    "timeout": "#d62728",
}


#: Label colours in ``ladder``: the lines' colours, darkened to 4.5:1 on white where needed (WCAG 1.4.3).
TEXT_COLOURS = {"data": "#1f77b4", "resend": "#a85200", "ack": "#1e7b1e"}

#: Line width of a segment's bar in ``time_sequence``: wide enough to see a resent one.
BAR_WIDTH = 3.5
#: A resent segment's bar in ``time_sequence`` is dashed (its colour differs too).
RESENT_BAR_STYLE = (0, (1.2, 0.6))
#: Line widths of arrows in ``ladder``: a resent segment's is thicker.
ARROW_WIDTH, RESENT_ARROW_WIDTH = 1.1, 2.6


def _kind(packet: Packet) -> str:
    if packet.kind == "ack":
        return "ack"
    return "resend" if packet.retransmission else "data"


def _colour(packet: Packet) -> str:
    return COLOURS[_kind(packet)]


def _label_groups(packets: list[Packet], gap: float) -> list[list[Packet]]:
    """Packets sent within ``gap`` ms of a group's first one, of the same kind (so colour), form a group."""
    groups: list[list[Packet]] = []
    for packet in sorted(packets, key=lambda p: (p.sent, p.number)):
        if (groups and packet.sent - groups[-1][0].sent <= gap
                and _kind(packet) == _kind(groups[-1][0])):
            groups[-1].append(packet)
        else:
            groups.append([packet])
    return groups


def ladder(transfer: Transfer, until: float | None = None,
           title: str = "Segments and ACKs between sender and receiver") -> Figure:
    """Sender and receiver lanes, time flowing down; one arrow per packet sent up to ``until`` ms.

    Data arrows are labelled with their byte positions at the sender, ACKs
    with their number at the receiver. A resent segment is drawn thicker, and
    its label says "resent". A lost packet ends half-way in a cross; a red
    diamond on the sender's lane marks each timeout. A copy the network made
    is dashed, in the colour of its original; a packet the network held back
    (so that later ones overtake it) is dotted.
    """
    packets = [p for p in transfer.packets if until is None or p.sent <= until]
    end = max([p.arrived if p.arrived is not None else p.sent + transfer.network.delay for p in packets]
              + [t.time for t in transfer.timeouts if until is None or t.time <= until] + [1.0])
    height = min(11.0, max(4.0, 0.06 * end + 2.0))
    fig, ax = plt.subplots(figsize=(7.5, height))
    left, right = 0.0, 1.0
    for x, name in ((left, "sender"), (right, "receiver")):
        ax.plot([x, x], [0, end], color="#999999", lw=1.2, zorder=0)
        ax.text(x, -0.02 * end, name, ha="center", va="bottom", fontsize=11, weight="bold")
    for packet in packets:
        start_x, end_x = (left, right) if packet.kind == "data" else (right, left)
        colour = _colour(packet)
        style = "--" if packet.copy else (":" if packet.reordered else "-")
        width = RESENT_ARROW_WIDTH if packet.retransmission else ARROW_WIDTH
        if packet.lost:
            # half-way across, then a cross: the network dropped it
            mid_x = (start_x + end_x) / 2
            mid_y = packet.sent + transfer.network.delay / 2
            ax.plot([start_x, mid_x], [packet.sent, mid_y], color=colour, lw=width, linestyle=style)
            ax.plot([mid_x], [mid_y], marker="x", color=COLOURS["lost"], markersize=9, mew=2.2)
        else:
            ax.add_patch(FancyArrowPatch((start_x, packet.sent), (end_x, packet.arrived),
                                         arrowstyle="-|>", mutation_scale=10, color=colour,
                                         linestyle=style, lw=width))
    gap = 0.03 * end  # labels closer than this in time share one line
    for group in _label_groups([p for p in packets if p.kind == "data" and not p.copy], gap):
        first, last = group[0], group[-1]
        label = f"{first.offset}-{last.offset + last.length - 1}"
        contiguous = all(a.offset + a.length == b.offset for a, b in zip(group, group[1:]))
        if len(group) > 1:
            label = f"{label} ({len(group)} segments)" if contiguous else ", ".join(
                f"{p.offset}-{p.offset + p.length - 1}" for p in group)
        if first.retransmission:
            label = f"resent {label}"
        ax.text(left - 0.03, first.sent, label, ha="right", va="center", fontsize=7.5,
                color=TEXT_COLOURS[_kind(first)])
    for group in _label_groups([p for p in packets if p.kind == "ack" and not p.copy], gap):
        label = "ACK " + ", ".join(str(p.offset) for p in group)
        ax.text(right + 0.03, group[0].sent, label, ha="left", va="center", fontsize=7.5,
                color=TEXT_COLOURS["ack"])
    for timeout in transfer.timeouts:
        if until is None or timeout.time <= until:
            ax.plot([left], [timeout.time], marker="D", color=COLOURS["timeout"], markersize=6)
    ax.set_ylim(end * 1.03, -0.06 * end)
    ax.set_xlim(-0.45, 1.45)
    ax.set_xticks([])
    ax.set_ylabel("time (ms)")
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    # Data and ACKs differ in direction on the picture; in the legend, by an arrowhead marker.
    handles = [
        Line2D([], [], color=COLOURS["data"], lw=ARROW_WIDTH, marker=">"),
        Line2D([], [], color=COLOURS["resend"], lw=RESENT_ARROW_WIDTH, marker=">"),
        Line2D([], [], color=COLOURS["copy"], lw=ARROW_WIDTH, linestyle="--"),
        Line2D([], [], color=COLOURS["copy"], lw=ARROW_WIDTH, linestyle=":"),
        Line2D([], [], color=COLOURS["ack"], lw=ARROW_WIDTH, marker="<"),
        Line2D([], [], color=COLOURS["lost"], marker="x", linestyle="", mew=2),
        Line2D([], [], color=COLOURS["timeout"], marker="D", linestyle=""),
    ]
    labels = ["data →", "data, resent →", "network copy", "held back", "← ACK", "lost", "timeout"]
    ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.01), ncol=7,
              fontsize=8, frameon=False, handlelength=1.6)
    ax.set_title(title)
    return finish(fig, describe.ladder(transfer, until, title))


def time_sequence(transfer: Transfer, title: str = "Byte positions over time") -> Figure:
    """Each data segment a vertical bar at the time it was sent, spanning its bytes.

    Blue, solid: first transmission; orange, dashed: retransmission; red
    cross: lost. The green staircase is the cumulative ACK as the sender
    learnt it; dotted lines mark timeouts.
    """
    fig, ax = plt.subplots(figsize=(8, 4.2))
    for packet in transfer.data_packets():
        if packet.copy:
            continue
        colour = COLOURS["resend"] if packet.retransmission else COLOURS["data"]
        style = RESENT_BAR_STYLE if packet.retransmission else "-"
        top = packet.offset + packet.length
        ax.plot([packet.sent, packet.sent], [packet.offset, top], color=colour, lw=BAR_WIDTH,
                linestyle=style, solid_capstyle="butt", dash_capstyle="butt", zorder=2)
        if packet.lost:
            ax.plot([packet.sent], [top], marker="x", color=COLOURS["lost"], markersize=6, mew=1.8,
                    zorder=3)
    times, acked = describe.ack_staircase(transfer)
    ax.step(times, acked, where="post", color=COLOURS["ack"], lw=1.4)
    for timeout in transfer.timeouts:
        ax.axvline(timeout.time, color=COLOURS["timeout"], linestyle=":", lw=1)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("byte position in the stream")
    ax.set_ylim(0, max(len(transfer.data), 1) * 1.04)
    ax.grid(alpha=0.25)
    handles = [
        Line2D([], [], color=COLOURS["data"], lw=BAR_WIDTH),
        Line2D([], [], color=COLOURS["resend"], lw=BAR_WIDTH, linestyle=RESENT_BAR_STYLE),
        Line2D([], [], color=COLOURS["lost"], marker="x", linestyle="", mew=2),
        Line2D([], [], color=COLOURS["ack"]),
        Line2D([], [], color=COLOURS["timeout"], linestyle=":"),
    ]
    ax.legend(handles, ["segment sent", "segment resent", "lost", "acknowledged up to", "timeout"],
              loc="upper left", fontsize=8)
    ax.set_title(title)
    return finish(fig, describe.time_sequence(transfer, title))


def goodput_vs_loss(points: Sequence[SweepPoint],
                    title: str = "What loss costs") -> Figure:
    """Left: goodput of each run (dots) and the mean (line) against the loss rate.
    Right: retransmissions per transfer. Runs that gave up are red crosses at 0.
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    losses = [p.loss for p in points]
    for p in points:
        done = [g for g in p.goodputs if g > 0]
        left.plot([p.loss] * len(done), done, "o", color="#7f7f7f", alpha=0.35, markersize=4)
        if p.gave_up:
            left.plot([p.loss], [0], "x", color=COLOURS["lost"], markersize=8, mew=2, clip_on=False,
                      zorder=3)
        right.plot([p.loss] * len(p.retransmissions), p.retransmissions, "o", color="#7f7f7f",
                   alpha=0.35, markersize=4)
    left.plot(losses, [p.mean_goodput for p in points], "-", color=COLOURS["data"], lw=2,
              label="mean")
    right.plot(losses, [p.mean_retransmissions for p in points], "-", color=COLOURS["resend"],
               lw=2, label="mean")
    seeds = len(points[0].goodputs) if points else 0
    left.set_title(f"goodput ({seeds} seeds per loss rate)")
    left.set_ylabel("kB/s (bytes per ms)")
    right.set_title("retransmissions per transfer")
    right.set_ylabel("retransmissions")
    for ax in (left, right):
        ax.set_xlabel("loss rate (data and ACKs)")
        ax.grid(alpha=0.3)
        ax.set_ylim(bottom=0)
    handles = [Line2D([], [], color=COLOURS["data"], lw=2),
               Line2D([], [], color="#7f7f7f", marker="o", linestyle="", alpha=0.5)]
    labels = ["mean", "one run"]
    if any(p.gave_up for p in points):
        handles.append(Line2D([], [], color=COLOURS["lost"], marker="x", linestyle="", mew=2))
        labels.append("gave up")
    left.legend(handles, labels, fontsize=8)
    fig.suptitle(title)
    return finish(fig, describe.goodput_vs_loss(points, title))

"""Figures of real transfers between two hosts (notebook 12): a capture's sequence graph, and goodput against loss.

* ``captured_sequence``: the time-sequence graph of tcptrace and Wireshark,
  drawn from captured frames (as the student's parser read them): data
  segments as vertical bars, retransmissions dashed, the receiver's
  cumulative ACKs as a staircase and its SACK blocks as short dotted bars.
  It is the real counterpart of ``transfers.time_sequence``, which draws a
  simulated transfer.
* ``measured_goodput``: real goodput against the loss rate a firewall rule
  imposed, beside notebook 07's simulated curve (as fractions of each one's
  loss-free goodput, since the two run at very different speeds).

Colour is never the only carrier: resent bars are dashed, a copy sent again
is marked with a cross, SACK bars are dotted, real and simulated lines differ
in dash and marker. Each function returns a closed ``Figure`` with its text
twin attached (see ``wire_text``).
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..netsim import SweepPoint
from ..twohosts import RealPoint
from . import wire_text
from .figure_text import finish
from .transfers import BAR_WIDTH, COLOURS, RESENT_BAR_STYLE

__all__ = ["captured_sequence", "measured_goodput", "SACK_COLOUR"]

#: SACK blocks: purple, 3:1 or more on white (WCAG 1.4.11), and dotted besides.
SACK_COLOUR = "#7b3294"
#: Thinner than a segment's bar: a SACK block is a report, not bytes on the wire.
SACK_WIDTH = 1.6


def captured_sequence(segments: Sequence[Mapping[str, Any]],
                      title: str = "One transfer, as captured on the link") -> Figure:
    """Sequence numbers against time for one captured transfer (see ``wire_text`` for the segments' keys)."""
    events = wire_text.sequence_events(segments)
    fig, ax = plt.subplots(figsize=(8.5, 4.6))
    for time, first, last, resent, sent_again in events.data:
        colour = COLOURS["resend"] if resent else COLOURS["data"]
        ax.plot([time, time], [first, last + 1], color=colour, lw=BAR_WIDTH,
                linestyle=RESENT_BAR_STYLE if resent else "-", solid_capstyle="butt", dash_capstyle="butt",
                zorder=2)
        if sent_again:
            ax.plot([time], [last + 1], marker="x", color=COLOURS["lost"], markersize=6, mew=1.8, zorder=3)
    if events.staircase:
        times = [0.0] + [time for time, _ in events.staircase]
        acked = [events.staircase[0][1]] + [ack for _, ack in events.staircase]
        end = max([times[-1]] + [time for time, *_ in events.data])
        ax.step(times + [end], acked + [acked[-1]], where="post", color=COLOURS["ack"], lw=1.4, zorder=1)
    for time, first, last in events.sacks:
        ax.plot([time, time], [first, last + 1], color=SACK_COLOUR, lw=SACK_WIDTH, linestyle=":", zorder=2)
    ax.set_xlabel("time since the first frame (ms)")
    ax.set_ylabel("sequence number, relative to the ISN")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.25)
    handles = [
        Line2D([], [], color=COLOURS["data"], lw=BAR_WIDTH),
        Line2D([], [], color=COLOURS["resend"], lw=BAR_WIDTH, linestyle=RESENT_BAR_STYLE),
        Line2D([], [], color=COLOURS["lost"], marker="x", linestyle="", mew=2),
        Line2D([], [], color=COLOURS["ack"]),
        Line2D([], [], color=SACK_COLOUR, lw=SACK_WIDTH, linestyle=":"),
    ]
    ax.legend(handles, ["segment sent", "segment resent", "copy sent again later", "acknowledged up to",
                        "SACK block"], loc="upper left", fontsize=8)
    ax.set_title(title)
    return finish(fig, wire_text.captured_sequence(segments, title))


def measured_goodput(real: Sequence[RealPoint], simulated: Sequence[SweepPoint],
                     title: str = "What loss costs: real TCP between two hosts, and notebook 07's simulation"
                     ) -> Figure:
    """Left: real goodput (MB/s, log scale) per transfer and the medians. Right: both curves as fractions."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10.5, 4.0))
    for point in real:
        for goodput, timeouts, probes in zip(point.goodputs, point.timeouts, point.probes):
            if goodput > 0:  # a run with a timeout: a hollow triangle; with a loss probe (only): a square
                marker = "v" if timeouts else ("s" if probes else "o")
                hollow = marker != "o"  # the rare slow ones: drawn solid-edged and larger, to be found
                left.plot([point.loss], [goodput], marker, color="#404040" if hollow else "#595959",
                          markerfacecolor="none" if hollow else "#7f7f7f", alpha=1.0 if hollow else 0.6,
                          markersize=7 if hollow else 5, markeredgewidth=1.4 if hollow else 1.0)
    left.plot([p.loss for p in real], [p.median_goodput for p in real], "-o", color=COLOURS["data"], lw=2,
              markersize=5)
    left.set_yscale("log")
    left.set_ylabel("MB/s (log scale)")
    left.set_title("real TCP, host a to host b")
    real_fraction, simulated_fraction = wire_text.goodput_fractions(real, simulated)
    for pairs, style, colour in ((real_fraction, "-o", COLOURS["data"]), (simulated_fraction, "--s", COLOURS["resend"])):
        shown = [(x, y) for x, y in pairs if y > 0]  # a fraction of 0 (every run gave up) has no place on a log scale
        right.plot([x for x, _ in shown], [y for _, y in shown], style, color=colour, lw=2, markersize=5)
    right.set_yscale("log")
    right.set_ylabel("fraction of the loss-free goodput (log scale)")
    right.set_title("each as a fraction of its own loss-free goodput")
    for ax in (left, right):
        ax.set_xlabel("loss rate")
        ax.grid(alpha=0.3, which="both")
    left.legend([Line2D([], [], color=COLOURS["data"], lw=2, marker="o"),
                 Line2D([], [], color="#595959", markerfacecolor="#7f7f7f", marker="o", linestyle="", alpha=0.6),
                 Line2D([], [], color="#404040", markerfacecolor="none", marker="s", linestyle="", markersize=7,
                        markeredgewidth=1.4),
                 Line2D([], [], color="#404040", markerfacecolor="none", marker="v", linestyle="", markersize=7,
                        markeredgewidth=1.4)],
                ["median", "one transfer", "one with a tail-loss probe", "one with a timeout"], fontsize=8)
    right.legend([Line2D([], [], color=COLOURS["data"], lw=2, marker="o"),
                  Line2D([], [], color=COLOURS["resend"], lw=2, marker="s", linestyle="--")],
                 ["real TCP (medians)", "notebook 07's simulation (means)"], fontsize=8)
    fig.suptitle(title)
    return finish(fig, wire_text.measured_goodput(real, simulated, title))

"""The text twins of notebook 12's figures (``sockutil.plots.wire``): captured segments and measured goodput.

``describe`` hands these names on, so a notebook prints
``describe.captured_sequence(segments)`` as it does every other twin. They
live in a module of their own to keep ``describe`` small. ``sequence_events``
reads the captured segments once, for the picture and for the words alike.

A captured segment is a mapping, as notebook 12 builds it from each frame
with the student's own parser: ``time`` (seconds from the first frame),
``from_sender`` (bool), ``seq`` (relative to the sender's ISN), ``length``
(bytes of data), ``ack`` (relative to the other side's ISN, or None without
the ACK flag) and ``sack`` (SACK blocks as (left, right) pairs, relative
too; empty if none).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from .figure_text import FigureText

if TYPE_CHECKING:
    from ..netsim import SweepPoint
    from ..twohosts import RealPoint

__all__ = ["SequenceEvents", "captured_sequence", "goodput_fractions", "measured_goodput", "sequence_events"]


@dataclass(frozen=True)
class SequenceEvents:
    """What a capture of one transfer shows, sorted out once for the picture and the text."""

    #: (time in ms, first byte, last byte, resent?, sent again later?) per data segment from the sender
    data: tuple[tuple[float, int, int, bool, bool], ...]
    #: (time in ms, ACK number) each time the receiver's cumulative ACK went up
    staircase: tuple[tuple[float, int], ...]
    #: (time in ms, first byte, last byte) per SACK block the receiver reported
    sacks: tuple[tuple[float, int, int], ...]
    acks: int            # frames from the receiver with the ACK flag
    acks_with_sack: int


def sequence_events(segments: Sequence[Mapping[str, Any]]) -> SequenceEvents:
    """Sort captured segments into data (first sent or resent), the ACK staircase and SACK blocks."""
    ordered = sorted(segments, key=lambda s: s["time"])
    start = ordered[0]["time"] if ordered else 0.0
    sent = [s for s in ordered if s["from_sender"] and s["length"] > 0]
    resent_starts = {}
    highest, kinds = 0, []
    for segment in sent:
        end = segment["seq"] + segment["length"]
        resent = segment["seq"] < highest
        kinds.append(resent)
        if resent:
            resent_starts.setdefault(segment["seq"], segment["time"])
        highest = max(highest, end)
    data = []
    for segment, resent in zip(sent, kinds):
        again = resent_starts.get(segment["seq"], -1.0) > segment["time"]
        data.append((_ms(segment["time"] - start), segment["seq"], segment["seq"] + segment["length"] - 1,
                     resent, again))
    staircase, sacks, acks, with_sack, top = [], [], 0, 0, 0
    for segment in ordered:
        if segment["from_sender"] or segment["ack"] is None:
            continue
        acks += 1
        when = _ms(segment["time"] - start)
        if segment["ack"] > top:
            top = segment["ack"]
            staircase.append((when, top))
        if segment["sack"]:
            with_sack += 1
            sacks += [(when, left, right - 1) for left, right in segment["sack"]]
    return SequenceEvents(tuple(data), tuple(staircase), tuple(sacks), acks, with_sack)


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def captured_sequence(segments: Sequence[Mapping[str, Any]],
                      title: str = "One transfer, as captured on the link") -> FigureText:
    events = sequence_events(segments)
    resent = sum(1 for *_, was_resent, _ in events.data if was_resent)
    again = sum(1 for *_, sent_again in events.data if sent_again)
    reached = events.staircase[-1] if events.staircase else (0.0, 0)
    findings = (
        f"{len(events.data)} data segments, {resent} of them resent; {again} copies were sent again later "
        f"(so, most likely, dropped on arrival); {events.acks} ACKs, {events.acks_with_sack} of them with SACK "
        f"blocks; the ACKs reached {reached[1]} at {reached[0]:g} ms.",
    )
    rows: list[tuple[float, int, str, str]] = []
    for time, first, last, was_resent, sent_again in events.data:
        event = ("segment resent" if was_resent else "segment sent") + (", sent again later" if sent_again else "")
        rows.append((time, 1, event, f"{first}-{last}"))
    for time, ack in events.staircase:
        rows.append((time, 0, "acknowledged up to", str(ack)))
    for time, first, last in events.sacks:
        rows.append((time, 2, "SACK block", f"{first}-{last}"))
    return FigureText(
        title=title,
        what=("Sequence numbers (up, relative to the sender's ISN) against time (across, ms), drawn from the "
              "captured frames. Each data segment is a vertical bar at the time it crossed the link, spanning "
              "its bytes: solid for a first transmission, dashed for a retransmission; a cross marks the top of "
              "a copy that was sent again later. A staircase shows how far the receiver's cumulative ACKs had "
              "acknowledged; short dotted bars show the blocks its selective ACKs (SACK) reported beyond that."),
        findings=findings,
        columns=("time (ms)", "event", "bytes"),
        rows=tuple((time, event, span) for time, _, event, span in sorted(rows, key=lambda r: r[:2])),
    )


def goodput_fractions(real: Sequence[RealPoint], simulated: Sequence[SweepPoint]
                      ) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """(loss, goodput as a fraction of the loss-free one) for the real medians and the simulated means."""
    real_base = real[0].median_goodput if real else 0.0
    simulated_base = simulated[0].mean_goodput if simulated else 0.0
    return ([(p.loss, p.median_goodput / real_base if real_base else 0.0) for p in real],
            [(p.loss, p.mean_goodput / simulated_base if simulated_base else 0.0) for p in simulated])


def measured_goodput(real: Sequence[RealPoint], simulated: Sequence[SweepPoint],
                     title: str = "What loss costs: real TCP between two hosts, and notebook 07's simulation"
                     ) -> FigureText:
    real_fraction, simulated_fraction = (dict(pairs) for pairs in goodput_fractions(real, simulated))
    by_loss_real = {p.loss: p for p in real}
    by_loss_simulated = {p.loss: p for p in simulated}
    rows = []
    for loss in sorted(set(by_loss_real) | set(by_loss_simulated)):
        r, s = by_loss_real.get(loss), by_loss_simulated.get(loss)
        rows.append((f"{loss:.2f}",
                     f"{r.median_goodput:.1f}" if r else "", len(r.goodputs) if r else "",
                     f"{r.mean_retransmissions:.1f}" if r else "",
                     sum(1 for t in r.timeouts if t) if r else "",
                     sum(1 for t, q in zip(r.timeouts, r.probes) if q and not t) if r else "",
                     f"{real_fraction[loss]:.3f}" if r else "",
                     f"{s.mean_goodput:.1f}" if s else "",
                     f"{simulated_fraction[loss]:.3f}" if s else ""))
    findings = []
    if real:
        findings.append(
            f"Real TCP: the median goodput goes from {real[0].median_goodput:.1f} MB/s at loss {real[0].loss:g} to "
            f"{real[-1].median_goodput:.1f} MB/s at {real[-1].loss:g} ({real_fraction[real[-1].loss]:.3f} of it), "
            f"with {real[-1].mean_retransmissions:.1f} retransmissions per transfer there; "
            f"{sum(1 for p in real for t in p.timeouts if t)} transfers had a retransmission timeout, "
            f"{sum(1 for p in real for t, q in zip(p.timeouts, p.probes) if q and not t)} others a tail-loss probe; "
            f"{sum(len(p.goodputs) for p in real)} transfers, "
            f"{'every one' if all(p.exact for p in real) else 'not every one'} delivered exactly its bytes.")
    if simulated:
        findings.append(
            f"Notebook 07's simulation: the mean goodput goes from {simulated[0].mean_goodput:.1f} kB/s at loss "
            f"{simulated[0].loss:g} to {simulated[-1].mean_goodput:.1f} kB/s at {simulated[-1].loss:g} "
            f"({simulated_fraction[simulated[-1].loss]:.3f} of it).")
    return FigureText(
        title=title,
        what=("Two panels against the loss rate. Left: the real transfers' goodput in MB/s on a logarithmic "
              "scale, a mark per transfer (a grey dot; a hollow triangle for one that had a retransmission timeout, "
              "a hollow square for one that sent a tail-loss probe but had no timeout) "
              "and a solid line with circles through the medians. Right: goodput "
              "as a fraction of the loss-free goodput, on a logarithmic scale: real TCP as a solid line with "
              "circles, notebook 07's simulation as a dashed line with squares."),
        findings=tuple(findings),
        columns=("loss", "real median (MB/s)", "real runs", "real mean retransmissions", "real runs with a timeout",
                 "real runs with a loss probe only",
                 "real, fraction of no loss",
                 "simulated mean (kB/s)", "simulated, fraction of no loss"),
        rows=tuple(rows),
    )


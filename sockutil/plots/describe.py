"""Every figure of ``sockutil.plots`` in words and numbers: one twin function per figure.

``describe.ladder(run)`` takes the same arguments as ``plots.ladder(run)``
and returns its ``FigureText`` (see ``figure_text``) without drawing
anything; the drawing function attaches the very same text to its figure. A
notebook prints it in the cell beside a figure::

    from sockutil.plots import describe
    print(describe.ladder(rough))

Why twins and not a method of the figure: a cell that shows a figure ends
with the drawing call, so it keeps no name for the figure; the twin needs
only the data, which the notebook has.

Each twin computes what its figure draws from the same inputs, with the same
helpers (``trace_arrows`` for the sequence diagram), so the words cannot
drift from the picture. Numbers are rounded where the picture rounds them.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Mapping, Protocol, Sequence

from ..netsim import SweepPoint, Transfer
from ..trace import Call, Trace
from .figure_text import FigureText
from .throughput_text import throughput_vs_buffer
from .trace_arrows import call_label, message_arrows

if TYPE_CHECKING:
    from .layers import Layer

__all__ = [
    "FigureText", "sequence_diagram", "chunk_sizes", "chunkings", "completion_times", "race_panels",
    "encapsulation", "port_ranges", "ladder", "time_sequence", "goodput_vs_loss",
    "throughput_vs_buffer",
]


def _sizes(chunks: Sequence[bytes | int]) -> list[int]:
    return [c if isinstance(c, int) else len(c) for c in chunks]


def _seconds(value: float) -> str:
    return f"{value:.3f}" if math.isfinite(value) else "no answer"


def _count(number: int, thing: str) -> str:
    """``1 timeout``, ``2 timeouts``."""
    return f"{number} {thing}{'' if number == 1 else 's'}"


# -- socket calls (sockutil.plots.sequence)

ARROW_NAMES = {"handshake": "handshake", "data": "bytes", "FIN": "end of stream"}


def sequence_diagram(trace: Trace | Sequence[Call], title: str = "Socket calls, in order") -> FigureText:
    calls = trace.calls if isinstance(trace, Trace) else list(trace)
    actors = list(dict.fromkeys(call.actor for call in calls))
    arrows = message_arrows(calls)
    targets: dict[int, list[str]] = {}
    for start, end, kind in arrows:
        targets.setdefault(start, []).append(f"{ARROW_NAMES[kind]} → #{end}")
    counts = {kind: sum(1 for *_, k in arrows if k == kind) for kind in ARROW_NAMES}
    failed = [f"#{c.seq} {c.name}() failed with {c.error}" for c in calls if c.error]
    findings = [
        f"{len(calls)} calls by {', '.join(actors) or 'nobody'}; arrows: {counts['handshake']} handshake, "
        f"{counts['data']} carrying bytes, {counts['FIN']} end of stream.",
        *(f"{line}." for line in failed),
    ]
    return FigureText(
        title=title,
        what=(f"A sequence diagram: one lane per actor ({', '.join(actors)}), time flowing down, one box per "
              "call, labelled with the call (the table below numbers the calls as the trace prints them). Arrows show what crossed the network: under each "
              "connect, the handshake's three segments SYN, SYN-ACK and ACK (dash-dotted); bytes from a send "
              "to each recv that got some of them (solid); the end of the stream from a close to the recv "
              "that returned b'' (dashed)."),
        findings=tuple(findings),
        columns=("#", "actor", "call", "arrows to"),
        rows=tuple((f"#{c.seq}", c.actor, call_label(c), ", ".join(targets.get(c.seq, []))) for c in calls),
    )


def chunk_sizes(chunks: Sequence[bytes | int], title: str = "What each recv() returned") -> FigureText:
    sizes = _sizes(chunks)
    findings = (f"{len(sizes)} calls returned {sum(sizes)} bytes in all; the largest returned "
                f"{max(sizes)} bytes, the smallest {min(sizes)}.",) if sizes else ("No calls.",)
    return FigureText(
        title=f"{title}: {len(sizes)} calls, {sum(sizes)} bytes",
        what=("A bar chart: one bar per recv() call, in the order of the calls from left to right; "
              "each bar is as high as the number of bytes that call returned."),
        findings=findings,
        columns=("call", "bytes"),
        rows=tuple(enumerate(sizes, start=1)),
    )


def chunkings(rows: Mapping[str, Sequence[bytes | int]],
              title: str = "The same bytes, cut differently") -> FigureText:
    sizes = {label: _sizes(chunks) for label, chunks in rows.items()}
    totals = {sum(s) for s in sizes.values()}
    if len(totals) == 1:
        findings = (f"{len(sizes)} rows of {totals.pop()} bytes each.",)
    else:
        findings = (f"{len(sizes)} rows of different lengths: "
                    + ", ".join(f"{label} {sum(s)} bytes" for label, s in sizes.items()) + ".",)
    return FigureText(
        title=title,
        what=("Each row is one way of cutting a stream of bytes, from its first byte at the left to its "
              "last at the right: one box per piece, as long as the piece's bytes, each box outlined, and "
              "neighbouring boxes alternately plain and hatched."),
        findings=findings,
        columns=("row", "pieces", "bytes", "piece sizes, in order"),
        rows=tuple((label, len(s), sum(s), " ".join(map(str, s))) for label, s in sizes.items()),
    )


def completion_times(results: Mapping[str, Sequence[float]], unit: str = "s",
                     title: str = "When each client finished") -> FigureText:
    findings = []
    rows = []
    for model, times in results.items():
        ordered = sorted(times)
        if ordered:
            findings.append(f"{model}: {len(ordered)} clients, the first done after {ordered[0]:.3f} {unit}, "
                            f"the last after {ordered[-1]:.3f} {unit}.")
        rows += [(model, index, f"{time:.3f}") for index, time in enumerate(ordered, start=1)]
    return FigureText(
        title=title,
        what=(f"One line per server model, each with its own marker and line style, with a point per "
              f"client: across, how many clients had finished; up, the time since the start ({unit})."),
        findings=tuple(findings),
        columns=("model", "client (in order of finishing)", f"time ({unit})"),
        rows=tuple(rows),
    )


class RaceLike(Protocol):
    """What ``race_panels`` needs of a ``sockutil.races.Race``."""

    slow: float
    fast: list[float]
    slow_sent: float


def race_panels(races: Mapping[str, RaceLike], title: str = "When each client finished",
                unit: str = "s") -> FigureText:
    findings = []
    rows = []
    for model, race in races.items():
        fast = sorted(t for t in race.fast if math.isfinite(t))
        before = sum(1 for t in fast if t < race.slow_sent)
        line = f"{model}: {len(fast)} of {len(race.fast)} fast clients answered"
        if fast:
            line += f", between {fast[0]:.3f} and {fast[-1]:.3f} {unit}; {before} of them before the slow client sent"
        sent = (f"the slow client sent at {race.slow_sent:.3f} {unit}" if math.isfinite(race.slow_sent)
                else "the slow client never sent")
        done = f"finished at {race.slow:.3f} {unit}" if math.isfinite(race.slow) else "got no answer"
        line += f"; {sent} and {done}."
        findings.append(line)
        rows += [(model, f"fast {index}", _seconds(t)) for index, t in enumerate(sorted(race.fast), start=1)]
        rows += [(model, "slow client sends", _seconds(race.slow_sent)), (model, "slow", _seconds(race.slow))]
    return FigureText(
        title=title,
        what=(f"One panel per server model, time running to the right ({unit} since the slow client "
              "connected): a circle for each fast client at the time it had its whole echo, a square for "
              "the slow client, and a dotted vertical line at the moment the slow client sent its line. "
              "Clients that got no answer are left out."),
        findings=tuple(findings),
        columns=("model", "client", f"finished ({unit})"),
        rows=tuple(rows),
    )


# -- encapsulation and ports (sockutil.plots.layers, sockutil.plots.ports)

def encapsulation(payload_size: int, layers: Sequence[Layer] | None = None, payload_name: str = "application data",
                  notes: Mapping[str, str] | None = None, title: str | None = None) -> FigureText:
    # Imported here, not at the top: layers imports this module to attach the text it returns.
    from .layers import MAX_PAYLOAD_WIDTH, TCP_IPV4_ETHERNET, UNIT_PER_BYTE

    if payload_size < 0:
        raise ValueError("payload_size must be 0 or more bytes")
    layers = TCP_IPV4_ETHERNET if layers is None else layers
    notes = dict(notes or {})
    to_scale = payload_size * UNIT_PER_BYTE <= MAX_PAYLOAD_WIDTH
    scale = "headers to scale" if to_scale else "headers to scale; payload shortened, not to scale"
    rows = [("application", 0, 0, payload_size, "")]
    findings = []
    size, inside = payload_size, payload_name
    for layer in layers:
        total = size + layer.header + layer.trailer
        name = f"{layer.name} {layer.unit}".strip()
        parts = [f"{layer.name} header {layer.header} B", f"{inside} {size} B"]
        if layer.trailer:
            parts.append(f"{layer.trailer_name} {layer.trailer} B")
        note = notes.get(layer.name, "")
        findings.append(f"{name}: {' + '.join(parts)} = {total} B{' ' + note if note else ''}.")
        rows.append((name, layer.header, layer.trailer, total, note))
        size, inside = total, name
    last = f"{layers[-1].name} {layers[-1].unit}".strip() if layers else "application"
    return FigureText(
        title=title or f"Encapsulation: each layer puts its header in front ({scale})",
        what=(f"One row per layer, from the application's {payload_size} bytes ({payload_name}) at the top "
              f"to the {last} at the bottom. Each row is the row above with one more header in front (and, "
              f"where a layer has one, a trailer behind); every box is labelled with its name and size in "
              f"bytes, and each row's total is written at its right. {scale[0].upper()}{scale[1:]}."),
        findings=tuple(findings),
        columns=("row", "header (B)", "trailer (B)", "total (B)", "note"),
        rows=tuple(rows),
    )


def port_ranges(ephemeral: tuple[int, int] | None = None, marks: Mapping[str, int] | None = None,
                title: str = "65536 ports, 0–65535") -> FigureText:
    from .ports import IANA_RANGES, ZOOM_END  # here, not at the top: see encapsulation

    marks = dict(marks or {})
    rows = [(name, "range", first, last, last - first + 1) for name, first, last, _ in IANA_RANGES]
    rows += [(label, "marked port", port, port, 1) for label, port in sorted(marks.items(), key=lambda m: m[1])]
    findings = []
    if ephemeral is not None:
        low, high = ephemeral
        findings.append(f"This OS's ephemeral range: {low}–{high} ({high - low + 1} ports).")
    return FigureText(
        title=title,
        what=("Two number lines of port numbers. The upper one shows all 65536 ports, 0 to 65535, in "
              "IANA's three ranges, each labelled with its name, first and last port and size"
              + (", and under it this OS's ephemeral range as a labelled bar" if ephemeral else "")
              + f"; the lower one enlarges ports 0 to {ZOOM_END}. Each marked port is a tick labelled with "
              "its name and number."),
        findings=tuple(findings),
        columns=("name", "kind", "first", "last", "ports"),
        rows=tuple(rows),
    )


# -- simulated transfers (sockutil.plots.transfers)

def _bytes(first: int, length: int) -> str:
    return f"{first}-{first + length - 1}"


def ladder(transfer: Transfer, until: float | None = None,
           title: str = "Segments and ACKs between sender and receiver") -> FigureText:
    packets = [p for p in transfer.packets if until is None or p.sent <= until]
    timeouts = [t for t in transfer.timeouts if until is None or t.time <= until]
    events = []
    for p in packets:
        what = f"bytes {_bytes(p.offset, p.length)}" if p.kind == "data" else f"ACK {p.offset}"
        notes = [n for n, flag in (("resent", p.retransmission), ("network copy", p.copy),
                                   ("held back", p.reordered)) if flag]
        events.append((p.sent, p.number, (round(p.sent, 1), "sender" if p.kind == "data" else "receiver", what,
                                          "lost" if p.lost else round(p.arrived, 1), ", ".join(notes))))
    for t in timeouts:
        events.append((t.time, -1, (round(t.time, 1), "sender", f"timeout for byte {t.offset}", "",
                                    f"waited {t.waited:g} ms")))
    data = [p for p in packets if p.kind == "data" and not p.copy]
    findings = (
        f"{len(data)} data segments ({sum(1 for p in data if p.retransmission)} resent) and "
        f"{sum(1 for p in packets if p.kind == 'ack' and not p.copy)} ACKs; the network lost "
        f"{sum(1 for p in packets if p.lost)} packets, copied {sum(1 for p in packets if p.copy)} and "
        f"held back {sum(1 for p in packets if p.reordered and not p.copy)}; {_count(len(timeouts), 'timeout')}.",
    )
    return FigureText(
        title=title,
        what=("Two lanes, the sender on the left and the receiver on the right, time flowing down (ms). "
              "Each packet is an arrow: data from the sender, labelled with its bytes, a resent segment "
              "drawn thicker and labelled 'resent'; ACKs from the receiver, labelled with their number. "
              "A lost packet stops half-way at a cross; a copy the network made is dashed; a packet the "
              "network held back is dotted; a diamond on the sender's lane marks a timeout."),
        findings=findings,
        columns=("sent (ms)", "from", "packet", "arrived (ms)", "note"),
        rows=tuple(row for *_, row in sorted(events, key=lambda e: (e[0], e[1]))),
    )


def ack_staircase(transfer: Transfer) -> tuple[list[float], list[int]]:
    """When the cumulative ACK (as the sender learnt it) went up, and to where: the green staircase."""
    times, acked = [0.0], [0]
    for packet in sorted((p for p in transfer.ack_packets() if not p.lost), key=lambda p: p.arrived):
        if packet.offset > acked[-1]:
            times.append(packet.arrived)
            acked.append(packet.offset)
    return times, acked


def time_sequence(transfer: Transfer, title: str = "Byte positions over time") -> FigureText:
    # At one moment: a timeout, then an ACK's arrival, then the segments either of them let out.
    events = []
    segments = [p for p in transfer.data_packets() if not p.copy]
    for p in segments:
        kind = "segment resent" if p.retransmission else "segment sent"
        events.append((p.sent, 2, p.number, (round(p.sent, 1), kind + (", lost" if p.lost else ""),
                                             _bytes(p.offset, p.length))))
    times, acked = ack_staircase(transfer)
    for time, offset in list(zip(times, acked))[1:]:
        events.append((time, 1, 0, (round(time, 1), "acknowledged up to", offset)))
    for t in transfer.timeouts:
        events.append((t.time, 0, 0, (round(t.time, 1), "timeout", f"byte {t.offset}")))
    findings = (
        f"{len(segments)} segments sent ({sum(1 for p in segments if p.retransmission)} resent, "
        f"{sum(1 for p in segments if p.lost)} lost); the ACKs reached byte {acked[-1]} of "
        f"{len(transfer.data)} at {round(times[-1], 1):g} ms; {_count(len(transfer.timeouts), 'timeout')}.",
    )
    return FigureText(
        title=title,
        what=("Byte position in the stream (up) against time (across, ms). Each data segment is a vertical "
              "bar at the time it was sent, spanning its bytes: solid for a first transmission, dashed for "
              "a retransmission, with a cross at its top if the network lost it. A staircase shows how far "
              "the ACKs had acknowledged; dotted vertical lines mark timeouts."),
        findings=findings,
        columns=("time (ms)", "event", "bytes"),
        rows=tuple(row for *_, row in sorted(events, key=lambda e: e[:3])),
    )


def goodput_vs_loss(points: Sequence[SweepPoint], title: str = "What loss costs") -> FigureText:
    seeds = len(points[0].goodputs) if points else 0
    findings = []
    if points:
        first, last = points[0], points[-1]
        findings.append(f"{len(points)} loss rates from {first.loss:g} to {last.loss:g}, {seeds} seeds each: "
                        f"the mean goodput goes from {first.mean_goodput:.1f} to {last.mean_goodput:.1f} kB/s, "
                        f"the mean retransmissions from {first.mean_retransmissions:.1f} to "
                        f"{last.mean_retransmissions:.1f}; {sum(p.gave_up for p in points)} runs gave up.")
    return FigureText(
        title=title,
        what=("Two panels against the loss rate (applied to data and ACKs alike). Left: goodput in kB/s, "
              "a grey dot per run and a solid line through the means; a cross at 0 marks a loss rate at "
              "which some runs gave up. Right: retransmissions per transfer, a dot per run and a solid line "
              "through the means."),
        findings=tuple(findings),
        columns=("loss", "mean goodput (kB/s)", "mean retransmissions", "gave up", "runs"),
        rows=tuple((f"{p.loss:.2f}", f"{p.mean_goodput:.1f}", f"{p.mean_retransmissions:.1f}", p.gave_up,
                    len(p.goodputs)) for p in points),
    )


# -- real transfers between two hosts (sockutil.plots.wire): their twins live in a module of their own
from .wire_text import captured_sequence, measured_goodput  # noqa: E402

__all__ += ["captured_sequence", "measured_goodput"]

"""A toy model of TCP's reliable delivery over an unreliable network: seeded, pure, no sockets.

Theory of operation
-------------------
Loopback never loses, duplicates or reorders a packet, so real sockets on one
machine cannot show how TCP copes when the network does. This module
*simulates* it instead, deterministically: the same ``seed`` gives the same
run, byte for byte, on every machine (Python's ``random.Random`` is the same
Mersenne Twister everywhere, and the simulation's arithmetic is plain IEEE
floats), so a notebook can print its results and nbval can check them.

It is a toy model. It keeps the parts of TCP that make a byte stream
reliable, and leaves the rest out on purpose:

* kept: byte-numbered sequence numbers (32 bits, wrapping) starting from a
  random initial sequence number (ISN); segments of at most ``mss`` bytes;
  cumulative ACKs ("I have every byte before number N"); a sender window of
  ``window`` segments in flight; one retransmission timer for the oldest
  unacknowledged segment, whose timeout doubles on every expiry (exponential
  backoff, RFC 6298 section 5.5); giving up after ``max_retries``
  retransmissions without progress; reassembly of out-of-order and duplicated
  segments at the receiver;
* left out: the handshake and FIN (the SYN is taken to have used sequence
  number ISN, so the first data byte is ISN + 1, as in real TCP); congestion
  control; fast retransmit on duplicate ACKs; SACK; measuring the round-trip
  time (the timeout starts at ``rto`` and only backoff changes it); the
  receive window; delayed ACKs; checksums (a corrupted packet is simply a
  lost one); header sizes. Data flows one way; ACKs flow back.

Three small state machines, none with a clock or any I/O of its own (the
style of h11: the caller owns time and transport):

``Sender``
    ``poll(now)`` hands out the new segments the window allows;
    ``on_ack(ack)`` takes a cumulative ACK; ``on_timeout(now)`` is called
    when ``deadline`` passes and hands back the segment to send again. Its
    ``state`` moves along this table and nowhere else::

        SENDING --(an ACK covers every byte)------------> DONE
        SENDING --(timeout, retries left)---------------> SENDING (resend, timeout x 2)
        SENDING --(timeout, max_retries already spent)--> GAVE_UP

    An ACK that acknowledges new bytes resets the retry count and the timeout
    to ``rto``. Empty data starts (and ends) in DONE.

``Receiver``
    ``on_segment(seq, payload)`` keeps bytes that arrive early, drops bytes
    it already has, hands on every byte that is now in order, and returns the
    cumulative ACK number to send back (for every data segment, including a
    duplicate: that is a duplicate ACK).

``Network``
    Decides the fate of each packet: lost, delayed, held back (so later
    packets overtake it: reordering), or copied (a duplicate). It draws the
    same five random numbers for every packet whatever happens to it, so runs
    with the same seed and a higher loss rate lose a superset of packets as
    long as the runs agree (common random numbers: sweeps come out smooth).

``simulate()`` runs them on a queue of timed events (arrivals and timer
expiries, ordered by time and then by the order they were scheduled) and
returns a ``Transfer``: every packet with its flags and times, every step as
an ``Event``, the timeouts, and the bytes the receiver delivered in order.

Units: times in milliseconds, sizes in bytes, so a goodput in bytes per
millisecond is also kilobytes (1000 bytes) per second.
"""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass, field
from typing import Iterable, Sequence

__all__ = [
    "SEQ_SPACE",
    "SENDING",
    "DONE",
    "GAVE_UP",
    "seq_add",
    "seq_offset",
    "Network",
    "Sender",
    "Receiver",
    "Packet",
    "Event",
    "Timeout",
    "Transfer",
    "simulate",
    "SweepPoint",
    "sweep_loss",
]

#: Sequence numbers are 32-bit unsigned integers and wrap around (RFC 9293).
SEQ_SPACE = 2**32

#: The toy cannot tell an old byte from a new one beyond half the sequence
#: space (real TCP has the same limit, with timestamps to stretch it).
MAX_DATA = SEQ_SPACE // 2 - 1

# Sender states (see the table in the module docstring).
SENDING = "SENDING"
DONE = "DONE"
GAVE_UP = "GAVE_UP"

#: Every packet consumes exactly this many random numbers (see ``Network.fate``).
DRAWS_PER_PACKET = 5


def seq_add(seq: int, n: int) -> int:
    """``seq + n`` in 32-bit sequence space."""
    return (seq + n) % SEQ_SPACE


def seq_offset(seq: int, first_seq: int) -> int:
    """How far ``seq`` lies after ``first_seq``, modulo 2**32 (a position in the stream)."""
    return (seq - first_seq) % SEQ_SPACE


# --------------------------------------------------------------------------- network


@dataclass(frozen=True)
class Fate:
    """What the network does with one packet: ``arrivals`` is empty if it is lost."""

    arrivals: tuple[float, ...]  # extra delay of each copy after the base delay
    reordered: bool


@dataclass(frozen=True)
class Network:
    """The unreliable path between sender and receiver, in both directions.

    ``delay``: one-way propagation delay (ms). ``bandwidth``: how fast the
    sender puts data bytes on the wire (bytes per ms), so segments leave one
    after another, not all at once; ACKs are tiny and take no time to send.
    ``loss``: chance that a data segment is lost; ``ack_loss``: the same for an
    ACK (``None``: same as ``loss``). ``duplicate``: chance that a packet that
    arrives arrives twice. ``reorder``: chance that a packet is held back by
    ``reorder_delay`` ms, so packets sent after it overtake it. ``jitter``: a
    random extra delay, up to this many ms, for every packet.
    """

    delay: float = 10.0
    bandwidth: float = 100.0
    loss: float = 0.0
    ack_loss: float | None = None
    duplicate: float = 0.0
    reorder: float = 0.0
    reorder_delay: float = 25.0
    jitter: float = 0.0

    def __post_init__(self) -> None:
        for name in ("loss", "duplicate", "reorder"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} is a probability: between 0 and 1, not {value}")
        if self.ack_loss is not None and not 0.0 <= self.ack_loss <= 1.0:
            raise ValueError(f"ack_loss is a probability: between 0 and 1, not {self.ack_loss}")
        if self.delay < 0 or self.reorder_delay < 0 or self.jitter < 0:
            raise ValueError("delays must not be negative")
        if self.bandwidth <= 0:
            raise ValueError("bandwidth must be positive")

    def fate(self, rng: random.Random, kind: str) -> Fate:
        """Decide one packet's fate, always drawing ``DRAWS_PER_PACKET`` numbers."""
        u_loss, u_reorder, u_jitter, u_dup, u_dup_delay = (rng.random() for _ in range(DRAWS_PER_PACKET))
        loss = self.loss if kind == "data" or self.ack_loss is None else self.ack_loss
        if u_loss < loss:
            return Fate((), False)
        reordered = u_reorder < self.reorder
        extra = self.jitter * u_jitter + (self.reorder_delay if reordered else 0.0)
        if u_dup < self.duplicate:
            # the copy trails the original by up to one delay
            return Fate((extra, extra + self.delay * u_dup_delay), reordered)
        return Fate((extra,), reordered)


# --------------------------------------------------------------------------- sender


class Sender:
    """The sending side: cuts the data into segments and retransmits until acknowledged.

    Positions (``una``: oldest unacknowledged byte, ``nxt``: next new byte) are
    offsets in the data; sequence numbers are ``first_seq`` plus the offset,
    modulo 2**32. A caller uses ``poll``, ``on_ack``, ``on_timeout`` and
    ``deadline``; it never needs the rest.
    """

    def __init__(self, data: bytes, first_seq: int, mss: int, window: int, rto: float,
                 max_retries: int) -> None:
        self.data = bytes(data)
        self.first_seq = first_seq
        self.mss = mss
        self.window = window
        self.initial_rto = rto
        self.rto = rto
        self.max_retries = max_retries
        self.una = 0
        self.nxt = 0
        self.retries = 0
        self.deadline: float | None = None
        self.state = DONE if not self.data else SENDING

    def poll(self, now: float) -> list[tuple[int, bytes]]:
        """New segments ``(offset, payload)`` the window allows now; starts the timer if idle."""
        out: list[tuple[int, bytes]] = []
        if self.state != SENDING:
            return out
        limit = self.una + self.window * self.mss
        while self.nxt < len(self.data) and self.nxt < limit:
            end = min(self.nxt + self.mss, len(self.data), limit)
            out.append((self.nxt, self.data[self.nxt:end]))
            self.nxt = end
        if out and self.deadline is None:
            self.deadline = now + self.rto
        return out

    def on_ack(self, ack: int, now: float) -> bool:
        """Take a cumulative ACK number; return True if it acknowledged new bytes."""
        if self.state != SENDING:
            return False
        acked = seq_offset(ack, self.first_seq)
        if not self.una < acked <= self.nxt:
            return False  # a duplicate ACK, or one from the past: nothing new
        self.una = acked
        self.retries = 0
        self.rto = self.initial_rto
        if self.una == len(self.data):
            self.state = DONE
            self.deadline = None
        elif self.una < self.nxt:
            self.deadline = now + self.rto  # restart the timer for what is still out
        else:
            self.deadline = None
        return True

    def on_timeout(self, now: float) -> tuple[int, bytes] | None:
        """The timer expired: the segment to send again, or None after giving up."""
        if self.state != SENDING:
            return None
        if self.retries >= self.max_retries:
            self.state = GAVE_UP
            self.deadline = None
            return None
        self.retries += 1
        self.rto *= 2  # exponential backoff
        self.deadline = now + self.rto
        end = min(self.una + self.mss, self.nxt)
        return self.una, self.data[self.una:end]


# --------------------------------------------------------------------------- receiver


class Receiver:
    """The receiving side: reassembles the stream from segments in any order.

    ``stream`` holds every byte delivered in order so far; ``pending`` the
    bytes that arrived early, by offset. ``on_segment`` is the whole interface.
    """

    def __init__(self, first_seq: int) -> None:
        self.first_seq = first_seq
        self.stream = bytearray()
        self.pending: dict[int, bytes] = {}

    @property
    def ack(self) -> int:
        """The cumulative ACK number: the sequence number of the next byte expected."""
        return seq_add(self.first_seq, len(self.stream))

    def on_segment(self, seq: int, payload: bytes) -> tuple[int, int]:
        """Take one segment; return ``(ack, newly_delivered_bytes)``."""
        offset = seq_offset(seq, self.first_seq)
        have = len(self.stream)
        if offset > MAX_DATA:  # "before the start": an old byte from the far side of the wrap
            return self.ack, 0
        if payload and offset + len(payload) > have:
            known = self.pending.get(offset, b"")
            if len(payload) > len(known):
                self.pending[offset] = bytes(payload)
        # hand on everything that now lines up
        progress = True
        while progress:
            progress = False
            for start in sorted(self.pending):
                chunk = self.pending[start]
                if start + len(chunk) <= len(self.stream):
                    del self.pending[start]  # nothing new in it
                elif start <= len(self.stream):
                    self.stream += chunk[len(self.stream) - start:]
                    del self.pending[start]
                    progress = True
        return self.ack, len(self.stream) - have


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Packet:
    """One packet on the network (a network-made copy is a packet of its own).

    ``seq``: for data, the sequence number of its first byte; ``offset``: the
    same as a position in the stream (0 for the first byte). For an ACK, ``ack``
    is the cumulative ACK number and ``offset`` the position it acknowledges
    up to. ``arrived`` is None if the network lost it.
    """

    number: int
    kind: str  # "data" or "ack"
    sent: float
    arrived: float | None
    seq: int
    offset: int
    length: int
    ack: int | None = None
    retransmission: bool = False
    copy: bool = False
    reordered: bool = False

    @property
    def lost(self) -> bool:
        return self.arrived is None


@dataclass(frozen=True)
class Event:
    """One step of the story, in time order. ``kind`` is one of:

    ``send``, ``resend`` (data leaves the sender), ``lost`` (the network drops
    a packet; stamped with the time it was sent), ``receive`` (data reaches
    the receiver), ``ack`` (an ACK reaches the sender), ``timeout``, ``give-up``.
    """

    time: float
    actor: str  # "sender", "network" or "receiver"
    kind: str
    packet: int | None
    text: str


@dataclass(frozen=True)
class Timeout:
    """A retransmission timer expiry: ``waited`` is the timeout that ran out."""

    time: float
    offset: int
    waited: float
    attempt: int  # 1 for the first retransmission of this segment


@dataclass
class Transfer:
    """Everything that happened in one simulated transfer."""

    data: bytes
    isn: int
    seed: int
    mss: int
    window: int
    rto: float
    max_retries: int
    network: Network
    state: str = SENDING
    delivered: bytes = b""
    packets: list[Packet] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    timeouts: list[Timeout] = field(default_factory=list)
    arrivals: list[tuple[int, bytes]] = field(default_factory=list)
    acks: list[int] = field(default_factory=list)
    delivered_at: float | None = None
    acked_at: float | None = None
    error: str | None = None

    @property
    def first_seq(self) -> int:
        """Sequence number of the first data byte: ISN + 1, because the SYN used the ISN."""
        return seq_add(self.isn, 1)

    @property
    def complete(self) -> bool:
        """Whether the sender saw every byte acknowledged."""
        return self.state == DONE

    @property
    def intact(self) -> bool:
        """Whether the receiver delivered exactly the bytes that were sent."""
        return self.delivered == self.data

    def data_packets(self) -> list[Packet]:
        return [p for p in self.packets if p.kind == "data"]

    def ack_packets(self) -> list[Packet]:
        return [p for p in self.packets if p.kind == "ack"]

    @property
    def segments_sent(self) -> int:
        """Data segments the sender sent (first sends and retransmissions, no network copies)."""
        return sum(1 for p in self.data_packets() if not p.copy)

    @property
    def retransmissions(self) -> int:
        return sum(1 for p in self.data_packets() if p.retransmission and not p.copy)

    @property
    def lost(self) -> int:
        return sum(1 for p in self.packets if p.lost)

    @property
    def copies(self) -> int:
        return sum(1 for p in self.packets if p.copy)

    @property
    def reordered(self) -> int:
        return sum(1 for p in self.packets if p.reordered and not p.copy)

    @property
    def goodput(self) -> float:
        """Useful bytes per millisecond (= kB/s) until the receiver had them all; 0 if it never did."""
        if self.delivered_at is None or self.delivered_at <= 0 or not self.intact:
            return 0.0
        return len(self.data) / self.delivered_at

    def summary(self) -> str:
        """A few stable lines: what was sent, what the network did, what arrived."""
        lines = [
            f"{len(self.data)} bytes in segments of at most {self.mss}, window {self.window} segments",
            f"data segments sent: {self.segments_sent} (retransmissions: {self.retransmissions})",
            f"ACKs sent: {sum(1 for p in self.ack_packets() if not p.copy)}",
            f"packets the network lost: {self.lost}, copied: {self.copies}, held back: {self.reordered}",
            f"timeouts: {len(self.timeouts)}",
            f"outcome: {self.state}" + (f" ({self.error})" if self.error else ""),
            f"delivered in order: {len(self.delivered)} of {len(self.data)} bytes",
        ]
        return "\n".join(lines)

    def transcript(self, limit: int | None = None) -> str:
        """The story in time order, with byte positions relative to the first data byte."""
        shown = self.events if limit is None else self.events[:limit]
        width = max([7] + [len(f"{e.time:.1f}") for e in shown])
        lines = [f"{'time':>{width}}  {'who':<8}  what", f"{'(ms)':>{width}}"]
        lines += [f"{e.time:{width}.1f}  {e.actor:<8}  {e.text}" for e in shown]
        if limit is not None and len(self.events) > limit:
            lines.append(f"... {len(self.events) - limit} more events")
        return "\n".join(lines)


# --------------------------------------------------------------------------- the event loop


def _span(offset: int, length: int) -> str:
    return f"bytes {offset}-{offset + length - 1}"


def simulate(
    data: bytes,
    *,
    seed: int = 0,
    mss: int = 100,
    window: int = 4,
    rto: float = 50.0,
    max_retries: int = 10,
    isn: int | None = None,
    network: Network | None = None,
    max_events: int = 1_000_000,
    **network_settings: float,
) -> Transfer:
    """Send ``data`` across a simulated unreliable network; return what happened.

    ``seed`` fixes every random choice (the ISN and each packet's fate).
    ``mss`` bytes per segment at most (100 by default, so a short message makes
    many segments to look at; Ethernet's is 1460). ``window``: segments in
    flight at most. ``rto``: the first retransmission timeout (ms), which
    doubles on every expiry; 50 ms is a little more than twice the default
    round trip of about 21 ms (real TCP waits at least 200 ms on Linux, 1 s by
    RFC 6298). ``max_retries``: retransmissions of one segment without
    progress before giving up (Linux's default, tcp_retries2, is 15).
    ``isn``: force the initial sequence number (it is random otherwise).
    The network is ``network``, or one built from keyword settings such as
    ``loss=0.2`` (see ``Network``).
    """
    data = bytes(data)
    if len(data) > MAX_DATA:
        raise ValueError(f"the toy model sends at most {MAX_DATA} bytes")
    if mss < 1 or window < 1 or rto <= 0 or max_retries < 0:
        raise ValueError("mss and window must be at least 1, rto positive, max_retries not negative")
    if network is not None and network_settings:
        raise TypeError("pass either network= or network settings, not both")
    net = network if network is not None else Network(**network_settings)
    rng = random.Random(seed)
    drawn_isn = rng.getrandbits(32)  # always drawn, so a forced ISN leaves the fates unchanged
    isn = drawn_isn if isn is None else isn % SEQ_SPACE
    result = Transfer(data=data, isn=isn, seed=seed, mss=mss, window=window, rto=rto,
                      max_retries=max_retries, network=net)
    first_seq = result.first_seq
    sender = Sender(data, first_seq, mss, window, rto, max_retries)
    receiver = Receiver(first_seq)

    queue: list[tuple[float, int, str, object]] = []
    order = 0  # ties in time are broken by the order of scheduling: deterministic
    link_free = 0.0  # when the sender's link can start the next data segment
    timer_at: float | None = None

    def schedule(time: float, kind: str, item: object) -> None:
        nonlocal order
        order += 1
        heapq.heappush(queue, (time, order, kind, item))

    def note(time: float, actor: str, kind: str, packet: int | None, text: str) -> None:
        result.events.append(Event(time, actor, kind, packet, text))

    def transmit(now: float, kind: str, offset: int, length: int, retransmission: bool = False,
                 ack: int | None = None) -> None:
        nonlocal link_free
        if kind == "data":
            sent = max(now, link_free)
            link_free = sent + length / net.bandwidth
            base = link_free + net.delay
            seq = seq_add(first_seq, offset)
        else:
            sent = now
            base = now + net.delay
            seq = 0
        fate = net.fate(rng, kind)
        what = _span(offset, length) if kind == "data" else f"ACK {offset}"
        if kind == "data":
            note(sent, "sender", "resend" if retransmission else "send", len(result.packets) + 1,
                 f"{'resends' if retransmission else 'sends'} {what}")
        if not fate.arrivals:
            result.packets.append(Packet(len(result.packets) + 1, kind, sent, None, seq, offset,
                                         length, ack, retransmission))
            note(sent, "network", "lost", len(result.packets), f"loses {what}")
            return
        for i, extra in enumerate(fate.arrivals):
            packet = Packet(len(result.packets) + 1, kind, sent, base + extra, seq, offset, length,
                            ack, retransmission, copy=i > 0, reordered=fate.reordered)
            result.packets.append(packet)
            schedule(packet.arrived, kind, packet)

    def pump(now: float) -> None:
        nonlocal timer_at
        for offset, payload in sender.poll(now):
            transmit(now, "data", offset, len(payload))
        if sender.deadline != timer_at:
            timer_at = sender.deadline
            if timer_at is not None:
                schedule(timer_at, "timer", timer_at)

    pump(0.0)
    handled = 0
    while queue and sender.state != GAVE_UP:
        handled += 1
        if handled > max_events:
            raise RuntimeError("simulation did not finish within max_events steps")
        now, _, kind, item = heapq.heappop(queue)
        if kind == "timer":
            if item != timer_at or sender.state != SENDING:
                continue  # a timer that was restarted or stopped since
            waited = sender.rto
            offset = sender.una
            resend = sender.on_timeout(now)
            timer_at = None
            if resend is None:
                result.error = (f"gave up: no ACK for {_span(offset, min(mss, sender.nxt - offset))} "
                                f"after {max_retries} retransmissions")
                note(now, "sender", "give-up", None, result.error)
                break
            result.timeouts.append(Timeout(now, offset, waited, sender.retries))
            note(now, "sender", "timeout", None,
                 f"timeout after {waited:g} ms without an ACK for byte {offset}; "
                 f"next timeout {sender.rto:g} ms")
            transmit(now, "data", resend[0], len(resend[1]), retransmission=True)
            pump(now)
        elif kind == "data":
            packet = item
            assert isinstance(packet, Packet)
            payload = data[packet.offset:packet.offset + packet.length]
            before = len(receiver.stream)
            kept_before = len(receiver.pending.get(packet.offset, b""))
            ack, fresh = receiver.on_segment(packet.seq, payload)
            result.arrivals.append((packet.seq, payload))
            result.acks.append(ack)
            acked_offset = len(receiver.stream)
            if fresh:
                how = f"delivers {fresh} bytes in order"
                if len(receiver.stream) == len(data):
                    result.delivered_at = now
            elif packet.offset + packet.length <= before or kept_before >= packet.length:
                how = "has these already (a duplicate)"
            else:
                how = f"keeps them: byte {before} is still missing"
            copy = " (network copy)" if packet.copy else ""
            note(now, "receiver", "receive", packet.number,
                 f"gets {_span(packet.offset, packet.length)}{copy}, {how}; sends ACK {acked_offset}")
            transmit(now, "ack", acked_offset, 0, ack=ack)
        else:  # an ACK reaches the sender
            packet = item
            assert isinstance(packet, Packet) and packet.ack is not None
            new = sender.on_ack(packet.ack, now)
            copy = " (network copy)" if packet.copy else ""
            if new and sender.state == DONE:
                result.acked_at = now
                how = "every byte acknowledged: done"
            elif new:
                how = "new bytes acknowledged"
            else:
                how = "nothing new (a duplicate ACK)"
            note(now, "sender", "ack", packet.number, f"gets ACK {packet.offset}{copy}: {how}")
            pump(now)

    result.events.sort(key=lambda e: e.time)  # stable: same-time steps keep their order
    result.state = sender.state
    result.delivered = bytes(receiver.stream)
    if not data:
        result.delivered_at = result.acked_at = 0.0
    return result


# --------------------------------------------------------------------------- sweeps


@dataclass(frozen=True)
class SweepPoint:
    """Runs at one loss rate, one per seed (same seeds at every rate)."""

    loss: float
    goodputs: tuple[float, ...]  # bytes per ms (= kB/s); 0 for a run that gave up
    retransmissions: tuple[int, ...]
    gave_up: int
    #: runs that did not give up, and of those, how many delivered exactly the
    #: bytes sent (the toy's receiver should make the two equal: a check, not a given)
    finished: int = 0
    intact: int = 0

    @property
    def mean_goodput(self) -> float:
        return sum(self.goodputs) / len(self.goodputs) if self.goodputs else 0.0

    @property
    def mean_retransmissions(self) -> float:
        return sum(self.retransmissions) / len(self.retransmissions) if self.retransmissions else 0.0


def sweep_loss(data: bytes, losses: Iterable[float], seeds: Sequence[int],
               **settings: float) -> list[SweepPoint]:
    """Simulate ``data`` at each loss rate (data and ACKs alike) with each seed.

    Other keyword settings go to ``simulate`` (e.g. ``window=8``).
    """
    points = []
    for loss in losses:
        runs = [simulate(data, seed=seed, loss=loss, **settings) for seed in seeds]
        points.append(SweepPoint(
            loss=loss,
            goodputs=tuple(run.goodput for run in runs),
            retransmissions=tuple(run.retransmissions for run in runs),
            gave_up=sum(1 for run in runs if run.state == GAVE_UP),
            finished=sum(1 for run in runs if run.state != GAVE_UP),
            intact=sum(1 for run in runs if run.state != GAVE_UP and run.intact),
        ))
    return points

"""What a simulated run leaves behind: its packets, the story in events, and the outcome.

Why records apart from the loop: a notebook, a figure (``sockutil.plots``) or
a self-check reads a ``Transfer`` long after the run; none of them needs the
machinery that made it. Every record is plain data (frozen dataclasses, and a
``Transfer`` that the loop fills in once), and its text forms, ``summary()``
and ``transcript()``, are stable from run to run for a given seed, so nbval
can compare them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .endpoints import DONE, SENDING
from .network import Network
from .sequence_space import seq_add

__all__ = ["Packet", "Event", "Timeout", "Transfer"]


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

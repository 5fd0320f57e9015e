"""The event loop: a clock made of a queue of timed happenings, driving sender, network and receiver.

Theory of operation
-------------------
Nothing here waits for real time. The run is a priority queue of things due
to happen (a packet arriving, a retransmission timer running out), ordered by
time and then by the order they were scheduled, so ties are broken the same
way on every machine. The loop takes the earliest, hands it to the handler
for its kind, and the handler may schedule more:

* ``on_timer``: the sender's timer ran out: back off and resend, or give up;
* ``on_data``: a data segment reaches the receiver, which answers with an ACK;
* ``on_ack``: an ACK reaches the sender, which may then send more.

Every packet leaves through ``send_data`` or ``send_ack``, which ask the
``Network`` for its fate and schedule its arrival (or record its loss).
``pump`` hands the sender's new segments to the link and keeps exactly one
live timer: a timer in the queue that no longer matches the sender's
``deadline`` is stale and skipped when it comes up.

The order of the random draws, of the packets and of the notes is part of the
result (the same seed must give the same run, byte for byte), so a change
here that reorders them changes every seeded run a notebook prints.
"""

from __future__ import annotations

import heapq
import random
from dataclasses import replace

from .endpoints import DONE, GAVE_UP, SENDING, Receiver, Sender
from .network import Network
from .records import Event, Packet, Timeout, Transfer
from .sequence_space import MAX_DATA, SEQ_SPACE, seq_add

__all__ = ["simulate"]


def _span(offset: int, length: int) -> str:
    return f"bytes {offset}-{offset + length - 1}"


class _Run:
    """One transfer in progress: the queue, the link, the timer, and the record being written."""

    def __init__(self, result: Transfer, rng: random.Random) -> None:
        self.result = result
        self.net = result.network
        self.rng = rng
        self.first_seq = result.first_seq
        self.sender = Sender(result.data, self.first_seq, result.mss, result.window, result.rto,
                             result.max_retries)
        self.receiver = Receiver(self.first_seq)
        self.queue: list[tuple[float, int, str, object]] = []
        self.order = 0  # ties in time are broken by the order of scheduling: deterministic
        self.link_free = 0.0  # when the sender's link can start the next data segment
        self.timer_at: float | None = None  # the one live timer in the queue, if any

    # ------------------------------------------------------------------ the clock

    def schedule(self, time: float, kind: str, item: object) -> None:
        self.order += 1
        heapq.heappush(self.queue, (time, self.order, kind, item))

    def note(self, time: float, actor: str, kind: str, packet: int | None, text: str) -> None:
        self.result.events.append(Event(time, actor, kind, packet, text))

    def run(self, max_events: int) -> None:
        """Handle events in time order until nothing is due or the sender gives up."""
        self.pump(0.0)
        handled = 0
        while self.queue and self.sender.state != GAVE_UP:
            handled += 1
            if handled > max_events:
                raise RuntimeError("simulation did not finish within max_events steps")
            now, _, kind, item = heapq.heappop(self.queue)
            if kind == "timer":
                self.on_timer(now, item)
            elif kind == "data":
                assert isinstance(item, Packet)
                self.on_data(now, item)
            else:
                assert isinstance(item, Packet) and item.ack is not None
                self.on_ack(now, item)

    # ------------------------------------------------------------------ the network

    def send_data(self, now: float, offset: int, length: int, retransmission: bool = False) -> None:
        """Put a data segment on the link: it leaves when the link is free, one after another."""
        sent = max(now, self.link_free)
        self.link_free = sent + length / self.net.bandwidth
        template = Packet(0, "data", sent, None, seq_add(self.first_seq, offset), offset, length,
                          None, retransmission)
        self._launch(template, base=self.link_free + self.net.delay, what=_span(offset, length))

    def send_ack(self, now: float, offset: int, ack: int) -> None:
        """Send an ACK back: tiny, so it takes no time on the link."""
        template = Packet(0, "ack", now, None, 0, offset, 0, ack)
        self._launch(template, base=now + self.net.delay, what=f"ACK {offset}")

    def _launch(self, template: Packet, base: float, what: str) -> None:
        """Let the network decide the packet's fate; record it, and schedule each copy that arrives."""
        packets = self.result.packets
        fate = self.net.fate(self.rng, template.kind)
        if template.kind == "data":
            verb = "resends" if template.retransmission else "sends"
            self.note(template.sent, "sender", "resend" if template.retransmission else "send",
                      len(packets) + 1, f"{verb} {what}")
        if not fate.arrivals:
            packets.append(replace(template, number=len(packets) + 1))
            self.note(template.sent, "network", "lost", len(packets), f"loses {what}")
            return
        for i, extra in enumerate(fate.arrivals):
            packet = replace(template, number=len(packets) + 1, arrived=base + extra, copy=i > 0,
                             reordered=fate.reordered)
            packets.append(packet)
            self.schedule(packet.arrived, template.kind, packet)

    # ------------------------------------------------------------------ the sender

    def pump(self, now: float) -> None:
        """Send what the window allows now, and keep the one live timer in step with the sender."""
        for offset, payload in self.sender.poll(now):
            self.send_data(now, offset, len(payload))
        if self.sender.deadline != self.timer_at:
            self.timer_at = self.sender.deadline
            if self.timer_at is not None:
                self.schedule(self.timer_at, "timer", self.timer_at)

    def on_timer(self, now: float, due: object) -> None:
        """A timer ran out: if it is the live one, back off and resend the oldest segment, or give up."""
        sender = self.sender
        if due != self.timer_at or sender.state != SENDING:
            return  # a timer that was restarted or stopped since
        waited = sender.rto
        offset = sender.una
        resend = sender.on_timeout(now)
        self.timer_at = None
        if resend is None:
            unacknowledged = _span(offset, min(self.result.mss, sender.nxt - offset))
            self.result.error = (f"gave up: no ACK for {unacknowledged} "
                                 f"after {self.result.max_retries} retransmissions")
            self.note(now, "sender", "give-up", None, self.result.error)
            return
        self.result.timeouts.append(Timeout(now, offset, waited, sender.retries))
        self.note(now, "sender", "timeout", None,
                  f"timeout after {waited:g} ms without an ACK for byte {offset}; "
                  f"next timeout {sender.rto:g} ms")
        self.send_data(now, resend[0], len(resend[1]), retransmission=True)
        self.pump(now)

    def on_ack(self, now: float, packet: Packet) -> None:
        """An ACK reached the sender: it may acknowledge new bytes, and open the window for more."""
        assert packet.ack is not None
        new = self.sender.on_ack(packet.ack, now)
        copy = " (network copy)" if packet.copy else ""
        if new and self.sender.state == DONE:
            self.result.acked_at = now
            how = "every byte acknowledged: done"
        elif new:
            how = "new bytes acknowledged"
        else:
            how = "nothing new (a duplicate ACK)"
        self.note(now, "sender", "ack", packet.number, f"gets ACK {packet.offset}{copy}: {how}")
        self.pump(now)

    # ------------------------------------------------------------------ the receiver

    def on_data(self, now: float, packet: Packet) -> None:
        """A data segment reached the receiver: keep what is new, say how, and send the ACK back."""
        receiver, data = self.receiver, self.result.data
        payload = data[packet.offset:packet.offset + packet.length]
        before = len(receiver.stream)
        kept_before = len(receiver.pending.get(packet.offset, b""))
        ack, fresh = receiver.on_segment(packet.seq, payload)
        self.result.arrivals.append((packet.seq, payload))
        self.result.acks.append(ack)
        acked_offset = len(receiver.stream)
        if fresh:
            how = f"delivers {fresh} bytes in order"
            if len(receiver.stream) == len(data):
                self.result.delivered_at = now
        elif packet.offset + packet.length <= before or kept_before >= packet.length:
            how = "has these already (a duplicate)"
        else:
            how = f"keeps them: byte {before} is still missing"
        copy = " (network copy)" if packet.copy else ""
        self.note(now, "receiver", "receive", packet.number,
                  f"gets {_span(packet.offset, packet.length)}{copy}, {how}; sends ACK {acked_offset}")
        self.send_ack(now, acked_offset, ack)


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
    run = _Run(result, rng)
    run.run(max_events)
    result.events.sort(key=lambda e: e.time)  # stable: same-time steps keep their order
    result.state = run.sender.state
    result.delivered = bytes(run.receiver.stream)
    if not data:
        result.delivered_at = result.acked_at = 0.0
    return result

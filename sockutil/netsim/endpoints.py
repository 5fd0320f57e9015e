"""The two ends of the transfer, as state machines with no clock and no I/O of their own.

Why sans-IO (the style of h11): the caller owns time and transport. It tells
the ``Sender`` what time it is and which ACK arrived, and carries the
segments the sender hands back; it hands the ``Receiver`` each segment that
arrives and carries back the ACK number it returns. So each machine can be
driven by hand, one call at a time, in a test or a notebook cell, and the
event loop in ``simulation`` is only the glue.

The sender's ``state`` moves along this table and nowhere else::

    SENDING --(an ACK covers every byte)------------> DONE
    SENDING --(timeout, retries left)---------------> SENDING (resend, timeout x 2)
    SENDING --(timeout, max_retries already spent)--> GAVE_UP
"""

from __future__ import annotations

from typing import Callable

from .sequence_space import MAX_DATA, seq_add, seq_offset


def _no_guard(_helper: str) -> None:
    """No check is watching: the receiver serves everyone."""


#: Called first thing in ``Receiver.on_segment`` with the name ``"netsim.Receiver"``. netsim imports
#: nothing of the rest of the kit, so the kit plugs its guard in from outside: notebook 07's
#: ``reassemble`` self-check sets this to ``sockutil.exercise_guard.refuse``, so that the receiver
#: cannot be handed in as the student's reassembler while that check runs.
guard: Callable[[str], None] = _no_guard

__all__ = ["SENDING", "DONE", "GAVE_UP", "Sender", "Receiver"]

# Sender states (see the table in the module docstring).
SENDING = "SENDING"
DONE = "DONE"
GAVE_UP = "GAVE_UP"


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
        guard("netsim.Receiver")
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

"""The unreliable path between sender and receiver: what happens to each packet.

Why one random draw pattern for every packet: ``Network.fate`` always takes
the same number of random numbers (``DRAWS_PER_PACKET``), whatever it decides.
So two runs with the same seed and different loss rates see the same numbers
for the same packets for as long as they agree, and the one with more loss
loses a superset of packets (common random numbers: sweeps come out smooth).
The caller owns the ``random.Random``; this module keeps no state.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["DRAWS_PER_PACKET", "Fate", "Network"]

#: Every packet consumes exactly this many random numbers (see ``Network.fate``).
DRAWS_PER_PACKET = 5


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

"""Many runs at once: the same transfer at a range of loss rates, with the same seeds at every rate.

Why the same seeds: with common random numbers (see ``network``) the runs at
two loss rates differ only where the higher rate loses a packet the lower one
kept, so a curve of goodput against loss comes out smooth with few seeds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from .endpoints import GAVE_UP
from .simulation import simulate

__all__ = ["SweepPoint", "sweep_loss"]


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

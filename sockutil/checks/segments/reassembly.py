"""The check of notebook 07's receiver: ``reassemble(first_seq, arrivals) -> (stream, acks)``.

The student's function gets the segments ``(seq, payload)`` in the order they
arrived (early, twice, overlapping) and returns the bytes it can hand on in
order and the ACK number it sends after each segment. The check compares both
with the simulation's own receiver (``netsim.Receiver``), on hand-made cases
and then on the arrivals of simulated transfers over a lossy network.

Why the hints look at the segment, not at the case: the first ACK that
differs is caused by the segment that just arrived, and what kind of segment
it was names the mistake. A duplicate or an overlap answered wrongly means
bytes counted twice; an early segment answered with a higher ACK means bytes
handed on after a gap; a segment that fills a gap answered with a lower ACK
means early bytes were dropped. Where sequence numbers wrap past 2**32 - 1,
the check also tries the same segments moved away from the wrap: if the
function gets those right, the wrap is the mistake.
"""

from __future__ import annotations

import random
from typing import Callable, NamedTuple

from ...exercise_guard import KitAnswerError, guarded, refuse
from ... import netsim
from ...netsim import endpoints as _endpoints
from .. import Outcome, Report, Watch, attempt, short
from ..interrupt import Interruptible

# netsim imports nothing of the kit: its receiver asks the kit's guard through this hook, so that
# check_reassemble can refuse it as the student's answer (sockutil/exercise_guard.py).
_endpoints.guard = refuse

__all__ = ["check_reassemble", "netsim_cases"]

#: Seconds one call may take. The largest simulated transfer has some forty
#: segments: any sensible solution needs well under a millisecond.
DEADLINE = 3.0

WRAP = netsim.SEQ_SPACE  # 2**32: sequence numbers count modulo this

Arrivals = list[tuple[int, bytes]]

HINT_TUPLE = ("return a tuple (stream, acks): the bytes handed on in order, and a list with one ACK "
              "number for each arriving segment")
HINT_ONE_EACH = "record one ACK number after every arriving segment, a duplicate included"
HINT_WRAP = ("sequence numbers are 32 bits and wrap: a position is (seq - first_seq) % 2**32, and an "
             "ACK is (first_seq + bytes in order) % 2**32")
HINT_DUPLICATE = ("a duplicate adds nothing to the stream, but it still gets an ACK (the same number "
                  "again)")
HINT_OVERLAP = ("a segment may repeat bytes you already have: keep only the part after them "
                "(payload[len(stream) - position:])")
HINT_GAP = ("bytes after a gap are not in order yet: keep them aside and do not count them; the ACK "
            "stays at the first missing byte")
HINT_EARLY = ("keep early bytes (say, in a dict by position) and hand them on once every byte before "
              "them is there; then the ACK jumps past all of them")
HINT_ACK = ("after each segment, the ACK is the sequence number of the next byte you expect: "
            "(first_seq + len(stream)) % 2**32, not the end of the segment that just arrived")
HINT_STREAM = "put each segment's bytes at its position in the stream, (seq - first_seq) % 2**32"
HINT_SHORT = "hand on every byte that is in order: the stream ends only at the first missing byte"
HINT_RAISED = ("your function raised an error on these segments: call it yourself with the same "
               "first_seq and arrivals, and read the traceback")
HINT_STUCK = ("it did not return: a loop that waits for a gap to fill never ends when the gap stays; "
              "after each segment hand on what lines up, then go on with the next")


def _reference(first_seq: int, arrivals: Arrivals) -> tuple[bytes, list[int], list[int]]:
    """The stream, the ACK after each segment, and how many bytes were in order before each."""
    receiver = netsim.Receiver(first_seq)
    acks, before = [], []
    for seq, payload in arrivals:
        before.append(len(receiver.stream))
        acks.append(receiver.on_segment(seq, payload)[0])
    return bytes(receiver.stream), acks, before


def netsim_cases(count: int = 30) -> list[tuple[int, int, Arrivals]]:
    """``(seed, first_seq, arrivals)`` of simulated transfers over a rough network.

    30 % loss, duplicates and reordering, random data of random length, and
    one transfer in every five forced to start just before the 32-bit wrap.
    """
    cases = []
    for seed in range(1, count + 1):
        rng = random.Random(seed)
        data = rng.randbytes(rng.randrange(1, 1500))
        isn = netsim.SEQ_SPACE - rng.randrange(2, 600) if seed % 5 == 0 else None
        transfer = netsim.simulate(data, seed=seed, isn=isn, mss=rng.choice([50, 100, 137]),
                                   window=rng.choice([2, 4, 8]), max_retries=15,
                                   loss=0.3, duplicate=0.3, reorder=0.3, jitter=3.0)
        cases.append((seed, transfer.first_seq, list(transfer.arrivals)))
    return cases


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


class _Problem(NamedTuple):
    text: str  # what differs, in words
    hint: str
    outcome: Outcome | None = None  # when the call raised or hung


def _call(reassemble: Callable, first_seq: int, arrivals: Arrivals) -> Outcome:
    call = Interruptible(reassemble)
    return attempt(call, first_seq, [(seq, bytes(p)) for seq, p in arrivals],
                   deadline=DEADLINE, on_hang=call.interrupt, name="reassemble")


def _moved_off_the_wrap(first_seq: int, arrivals: Arrivals) -> tuple[int, Arrivals] | None:
    """The same segments numbered from 1000, far from the wrap; None if their numbers do not wrap."""
    ends = [(seq - first_seq) % WRAP + len(payload) for seq, payload in arrivals]
    if not ends or first_seq + max(ends) < WRAP:
        return None
    return 1000, [(1000 + (seq - first_seq) % WRAP, payload) for seq, payload in arrivals]


def _diagnose(reassemble: Callable, first_seq: int, arrivals: Arrivals) -> _Problem | None:
    """None if the answer is right; else what differs, and the hint for its cause."""
    expected_stream, expected_acks, before = _reference(first_seq, arrivals)
    outcome = _call(reassemble, first_seq, arrivals)
    if not outcome.ok:
        return _Problem(outcome.describe(), HINT_STUCK if outcome.hung else HINT_RAISED, outcome)
    try:
        stream, acks = outcome.value
        stream, acks = bytes(stream), [int(a) for a in acks]
    except Exception:  # noqa: BLE001 - a wrong shape, told in words
        return _Problem(f"{outcome.describe()}, not (stream, acks)", HINT_TUPLE)
    if len(acks) != len(arrivals):
        return _Problem(f"returned {_count(len(acks), 'ACK number')} for {_count(len(arrivals), 'segment')}",
                        HINT_ONE_EACH)
    wrong = next((i for i, (got, want) in enumerate(zip(acks, expected_acks)) if got != want), None)
    if wrong is None and stream == expected_stream:
        return None
    if wrong is not None:
        where = f"after segment {wrong + 1} the ACK should be {expected_acks[wrong]}, not {acks[wrong]}"
    else:
        where = f"the stream is {short(stream, 40)}, expected {short(expected_stream, 40)}"
    moved = _moved_off_the_wrap(first_seq, arrivals)
    if moved is not None and _diagnose(reassemble, *moved) is None:
        return _Problem(where, HINT_WRAP)
    if wrong is None:
        return _Problem(where, HINT_OVERLAP if len(stream) > len(expected_stream)
                        else HINT_SHORT if len(stream) < len(expected_stream) else HINT_STREAM)
    return _Problem(where, _ack_hint(first_seq, arrivals[wrong], before[wrong], acks[wrong],
                                     expected_acks[wrong], stream_right=stream == expected_stream))


def _ack_hint(first_seq: int, segment: tuple[int, bytes], have: int, got: int, want: int,
              stream_right: bool) -> str:
    """The hint for a wrong ACK, from the kind of segment that had just arrived.

    ``have``: the bytes in order before it; ``stream_right``: the function's
    stream is right, so its ACKs are not counted from it.
    """
    seq, payload = segment
    if not 0 <= got < WRAP:
        return HINT_WRAP
    if stream_right and got == (seq + len(payload)) % WRAP:
        return HINT_ACK  # the end of this segment, the classic
    position = (seq - first_seq) % WRAP
    end = position + len(payload)
    ahead = (got - first_seq) % WRAP > (want - first_seq) % WRAP
    if payload and end <= have:
        return HINT_DUPLICATE
    if position < have < end:
        return HINT_OVERLAP
    if position > have:
        return HINT_GAP if ahead else HINT_ACK
    if (want - first_seq) % WRAP > end and not ahead:  # it filled a gap: early bytes should follow it
        return HINT_EARLY
    return HINT_ACK


@guarded("reassemble")   # the kit's own version of reassemble is refused (sockutil/exercise_guard.py)
def check_reassemble(reassemble: Callable[[int, Arrivals], tuple[bytes, list[int]]]) -> Report:
    """Check ``reassemble(first_seq, arrivals) -> (stream, acks)`` against hand-made and simulated input."""
    report = Report("reassemble")
    if report.unwritten(reassemble):
        return report
    cases = [
        ("segments in order", 1000, [(1000, b"abc"), (1003, b"def")]),
        ("a segment that arrives early waits for the gap to fill", 1000,
         [(1003, b"def"), (1006, b"ghi"), (1000, b"abc")]),
        ("a duplicate is delivered once, and still answered with an ACK", 1000,
         [(1000, b"abc"), (1000, b"abc"), (1003, b"def"), (1000, b"abc")]),
        ("a gap that never fills: the stream stops at the gap", 1000, [(1000, b"ab"), (1004, b"ef")]),
        ("a resent segment overlapping bytes already there", 1000,
         [(1000, b"abcd"), (1002, b"cdef"), (1008, b"ij"), (1005, b"fgh")]),
        ("a resent segment longer than the first copy, in order and early; a shorter one, early", 1000,
         [(1000, b"ab"), (1000, b"abcd"), (1006, b"ghij"), (1006, b"gh"), (1004, b"ef")]),
        ("sequence numbers wrap from 2**32 - 1 to 0", WRAP - 3, [(1, b"ef"), (WRAP - 3, b"abc"), (0, b"d")]),
        ("no segments at all", 5, []),
    ]
    simulated = netsim_cases()
    total = sum(len(arrivals) for _, _, arrivals in simulated)
    with Watch():
        stuck = False
        for what, first_seq, arrivals in cases:
            if stuck:  # after one call that never returned, waiting again teaches nothing
                report.skip(what)
                continue
            stuck = _judge(report, reassemble, what, [(first_seq, arrivals)])
        what = f"{len(simulated)} simulated transfers with loss, duplicates and reordering ({total} segments)"
        if stuck:
            report.skip(what)
        else:
            _judge(report, reassemble, what, [(first_seq, arrivals) for _, first_seq, arrivals in simulated])
    return report.finish()


def _judge(report: Report, reassemble: Callable, what: str, runs: list[tuple[int, Arrivals]]) -> bool:
    """Judge one case (one run, or several: the first wrong one is named); True if a call hung."""
    for number, (first_seq, arrivals) in enumerate(runs, start=1):
        if report.stopped:
            return True
        problem = _diagnose(reassemble, first_seq, arrivals)
        if problem is None:
            continue
        if problem.outcome is not None and problem.outcome.raised(NotImplementedError, KitAnswerError):
            report.case(what, problem.outcome, function="reassemble")  # a stub its source did not reveal
            return True
        where = f"transfer {number}: " if len(runs) > 1 else ""
        report.check(False, f"{what}: {where}{problem.text}", problem.hint)
        return problem.outcome is not None and problem.outcome.hung
    report.check(True, what)
    return False

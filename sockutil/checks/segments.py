"""Self-checks for notebook 07, Segments and reliability.

``check_fill_send_buffer`` runs the student's function on real loopback
connections whose peer never reads, once with the default buffers and once
with small ones (where ``send()`` takes only part of a chunk, so a count of
the bytes *offered* instead of the bytes *taken* shows up), and compares the
count with what the peer finally receives.

``check_reassemble`` feeds the student's receiver hand-made cases (early,
duplicated, overlapping segments, the 32-bit wrap) and then the arrivals of
simulated transfers over a lossy network (``sockutil.netsim``), comparing the
stream and every ACK with the simulation's own receiver.

Student code can loop forever as easily as it can block, and a socket
timeout does not stop a ``while True``. So each call runs under a time limit
(a SIGALRM timer, where the platform has one and we are on the main thread,
which is where a notebook cell runs).
"""

from __future__ import annotations

import contextlib
import random
import signal
import socket
import threading
from typing import Any, Callable, Iterator

from .. import netsim
from . import Report, default_timeout

__all__ = ["check_fill_send_buffer", "check_reassemble", "netsim_cases"]

#: Seconds a student's function may run before the check calls it stuck.
TIME_LIMIT = 5.0


class _TookTooLong(Exception):
    """Raised inside the student's code by the timer: it ran past ``TIME_LIMIT``."""


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Interrupt the block after ``seconds`` (only where SIGALRM works; elsewhere no limit)."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise _TookTooLong()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _call(fn: Callable[..., Any], *args: Any) -> tuple[Any, str | None]:
    """Run the student's ``fn``; return ``(result, None)`` or ``(None, what went wrong in words)``."""
    try:
        with _time_limit(TIME_LIMIT):
            return fn(*args), None
    except _TookTooLong:
        return None, f"did not return within {TIME_LIMIT:g} s"
    except Exception as error:  # noqa: BLE001 - the student's error, reported in words
        return None, f"raised {type(error).__name__}: {error}"


def _short(value: Any, limit: int = 60) -> str:
    shown = repr(value)
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


# --------------------------------------------------------------------------- exercise 1


def _connected_pair(small_buffers: bool) -> tuple[socket.socket, socket.socket]:
    """A loopback connection ``(client, peer)``; the peer will not read until the check says so."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(2)
        client = socket.socket()
        client.settimeout(2)
        if small_buffers:
            # 4096 is a request; Linux doubles it and keeps a minimum. Small either way.
            client.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        try:
            client.connect(listener.getsockname())
            peer, _ = listener.accept()
        except BaseException:
            client.close()
            raise
    peer.settimeout(5)
    return client, peer


def _drain(peer: socket.socket) -> int:
    """Read until the client's close arrives; return the number of bytes."""
    total = 0
    while True:
        chunk = peer.recv(1 << 20)
        if not chunk:
            return total
        total += len(chunk)


def _fill_case(fill: Callable[[socket.socket], int], small_buffers: bool) -> tuple[str | None, str]:
    """Run one case; return ``(failure or None, hint)``."""
    client, peer = _connected_pair(small_buffers)
    with peer:
        try:
            count, problem = _call(fill, client)
            if problem:
                hint = ("make the socket non-blocking (sock.setblocking(False)) and stop at "
                        "the first BlockingIOError")
                if "BlockingIOError" in problem:
                    hint = "catch BlockingIOError: it is how a non-blocking send() says 'full'"
                return f"fill_send_buffer(sock) {problem}", hint
            if isinstance(count, bool) or not isinstance(count, int) or count <= 0:
                return (f"fill_send_buffer(sock) returned {_short(count)}",
                        "return the total number of bytes that send() accepted, an int above 0")
            if client.gettimeout() != 0.0:
                # Why: a blocking send with a timeout also stops (TimeoutError, an
                # OSError) and may even count right, but only after waiting.
                return ("fill_send_buffer(sock) left the socket blocking: it waited for room "
                        "instead of being told at once that there is none",
                        "make it non-blocking: call sock.setblocking(False) before the loop, "
                        "and stop at the first BlockingIOError")
            client.setblocking(False)
            extra = 0
            try:
                extra = client.send(b"x" * 1024)
            except BlockingIOError:
                pass
            if extra:
                return ("when fill_send_buffer returned, send() could still take more bytes",
                        "keep calling send() until it raises BlockingIOError")
        finally:
            client.close()  # the peer gets every byte the kernel took, then end of stream
        received = _drain(peer)
    if received != count:
        return (f"the count is off: your function counted {count} bytes, the peer received {received}",
                "add up what each send() returns, not the size of what you passed to it: "
                "send() may take only part of it")
    return None, ""


def check_fill_send_buffer(fill_send_buffer: Callable[[socket.socket], int]) -> None:
    """Check ``fill_send_buffer(sock) -> int`` on real connections whose peer does not read."""
    report = Report("fill_send_buffer")
    stuck = False
    with default_timeout(5):
        for small, what in (
            (False, "with default buffers: returns, the buffers are full, and the count is exact"),
            (True, "with small buffers, where send() takes only part of a chunk: the count is exact"),
        ):
            if stuck:  # it raised or hung once: a second wait teaches nothing new
                report.check(False, f"{what}\n    not tried: fix the case above first")
                continue
            failure, hint = _fill_case(fill_send_buffer, small)
            stuck = failure is not None and failure.startswith("fill_send_buffer(sock) ")
            report.check(failure is None, what if failure is None else f"{what}\n    {failure}", hint)
    report.finish()


# --------------------------------------------------------------------------- exercise 2


def _reference(first_seq: int, arrivals: list[tuple[int, bytes]]) -> tuple[bytes, list[int]]:
    receiver = netsim.Receiver(first_seq)
    acks = [receiver.on_segment(seq, payload)[0] for seq, payload in arrivals]
    return bytes(receiver.stream), acks


def netsim_cases(count: int = 30) -> list[tuple[int, int, list[tuple[int, bytes]]]]:
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


def _compare(reassemble: Callable[..., Any], first_seq: int,
             arrivals: list[tuple[int, bytes]]) -> str | None:
    """None if the student's answer equals the reference; else what differs, in words."""
    expected_stream, expected_acks = _reference(first_seq, arrivals)
    result, problem = _call(reassemble, first_seq, [(seq, bytes(p)) for seq, p in arrivals])
    if problem:
        return problem
    try:
        stream, acks = result
        stream, acks = bytes(stream), [int(a) for a in acks]
    except Exception:  # noqa: BLE001 - a wrong shape, described in words
        return f"returned {_short(result)}, not (stream, acks)"
    if len(acks) != len(arrivals):
        return f"returned {len(acks)} ACK numbers for {len(arrivals)} segments (one per segment)"
    for number, (got, want) in enumerate(zip(acks, expected_acks), start=1):
        if got != want:
            return f"after segment {number} the ACK should be {want}, not {got}"
    if stream != expected_stream:
        return f"the stream is {_short(stream, 40)}, expected {_short(expected_stream, 40)}"
    return None


def check_reassemble(reassemble: Callable[[int, list[tuple[int, bytes]]], tuple[bytes, list[int]]]) -> None:
    """Check ``reassemble(first_seq, arrivals) -> (stream, acks)`` against hand-made and simulated input."""
    report = Report("reassemble")
    wrap = netsim.SEQ_SPACE
    cases = [
        ("segments in order", 1000, [(1000, b"abc"), (1003, b"def")],
         "hand on each segment's bytes and answer with the sequence number of the next byte you expect"),
        ("a segment that arrives early waits for the gap to fill", 1000,
         [(1003, b"def"), (1006, b"ghi"), (1000, b"abc")],
         "keep early bytes (say, in a dict by position) and hand them on once every byte before "
         "them is there; until then the ACK stays at the first missing byte"),
        ("a duplicate is delivered once, and still answered with an ACK", 1000,
         [(1000, b"abc"), (1000, b"abc"), (1003, b"def"), (1000, b"abc")],
         "a duplicate adds nothing to the stream, but it still gets an ACK (the same number again)"),
        ("a gap that never fills: the stream stops at the gap", 1000, [(1000, b"ab"), (1004, b"ef")],
         "deliver only bytes that are in order; bytes after a gap wait"),
        ("a resent segment overlapping bytes already there", 1000,
         [(1000, b"abcd"), (1002, b"cdef"), (1008, b"ij"), (1005, b"fgh")],
         "a segment may repeat bytes you already have: keep only the part after them"),
        ("sequence numbers wrap from 2**32 - 1 to 0", wrap - 3,
         [(1, b"ef"), (wrap - 3, b"abc"), (0, b"d")],
         "sequence numbers are 32 bits: a position is (seq - first_seq) % 2**32, "
         "an ACK is (first_seq + bytes in order) % 2**32"),
        ("no segments at all", 5, [], "with nothing received, the stream is b'' and there are no ACKs"),
    ]
    stuck = False  # after one call that never returned, waiting again teaches nothing
    with default_timeout(5):
        for what, first_seq, arrivals, hint in cases:
            if stuck:
                report.check(False, f"{what}: not tried, because a case above did not return")
                continue
            problem = _compare(reassemble, first_seq, arrivals)
            stuck = problem is not None and problem.startswith("did not return")
            report.check(problem is None, what if problem is None else f"{what}: {problem}", hint)
        simulated = netsim_cases()
        total = sum(len(arrivals) for _, _, arrivals in simulated)
        what = (f"{len(simulated)} simulated transfers with loss, duplicates and reordering "
                f"({total} segments)")
        problem = "not tried, because a case above did not return" if stuck else None
        for seed, first_seq, arrivals in [] if stuck else simulated:
            problem = _compare(reassemble, first_seq, arrivals)
            if problem:
                problem = f"transfer {seed}: {problem}"
                break
        report.check(problem is None, what if problem is None else f"{what}: {problem}",
                     "" if stuck else "compare with the hand-made cases above; "
                     "netsim.simulate(...).arrivals gives you the same input to try")
    report.finish()

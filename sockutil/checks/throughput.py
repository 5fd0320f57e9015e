"""Self-check for notebook 11, Throughput: ``fill_buffer(sock, buffer)``.

The exercise: fill a ``bytearray`` the caller allocated once with the next
``len(buffer)`` bytes of a connection, with ``recv_into``, and return how
many ``recv_into`` calls it took; raise ``ConnectionError`` if the peer
closes first. It is how the kit's receiver avoids a new ``bytes`` object per
call.

``check_fill_buffer`` gives the student's function the real socket of a
loopback connection, wrapped so that every ``recv_into`` (and ``recv``) call
is counted, and a kit thread on the other end that sends: bytes already
waiting; a message in pieces, each sent only once the student's last call
returned (so one call can never get it all, however loaded the machine);
39 bytes and then the last byte alone (a loop that stops one byte short);
1 MiB; more bytes than the buffer holds (the rest must stay in the socket for
the next reader); and 10 bytes followed by the end of the stream. The socket
belongs to the caller: a function that closes it fails the case. What went
wrong is read from what the buffer holds afterwards and from the counts: a
buffer still all zeros after calls that returned bytes was a copy (a slice of
a ``bytearray``); its first bytes overwritten means no offset; a correct
start and zeros after it, one call too few. A loop that ignores a ``recv_into``
that returned 0 is stopped after a hundred such calls instead of spinning.

Nothing here prints from a thread; each wait is bounded.
"""

from __future__ import annotations

import random
import socket
import threading
from typing import Any, Callable

from . import Hint, Outcome, Report, Watch, always, attempt, hung, pick_hint, raised
from .eof_watch import MAX_RECVS_AFTER_EOF, CountingSocket, KeptReading
from .harness import KIT_THREAD_PREFIX

__all__ = ["check_fill_buffer"]

#: Seconds any single step waits (connect, the student's function, the feeder's send).
STEP_TIMEOUT = 2.0

#: The pieces case: a 40-byte buffer, filled in pieces of 10, each sent once the last call returned
#: (or after ``PIECE_WAIT`` seconds, for code that stopped calling).
PIECES, PIECE_SIZE, PIECE_WAIT = 4, 10, 1.0

#: The large case: far more than one ``recv_into`` returns.
LARGE = 1 << 20

#: Seed of the bytes the check sends: random-looking, so a byte out of place shows, and the same every run.
SEED = 11

#: The hint for a function that closed the socket it was given.
CLOSED = ("leave the socket open: it belongs to the caller, who may read on from it or close it "
          "itself; fill_buffer() only reads")

#: Names of the check's sending threads.
THREAD_NAME = f"{KIT_THREAD_PREFIX}-check:fill_buffer-feeder"


class _Counted(CountingSocket):
    """The real socket, with every ``recv_into`` and ``recv`` call counted (and b'' watched)."""

    def __init__(self, sock: socket.socket, returned: threading.Event) -> None:
        super().__init__(sock, returned)
        self.recv_into_calls = 0
        self.recv_calls = 0
        self.closed_by_student = False   # set after the call: the caller's socket must stay open

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        self.recv_into_calls += 1
        return super().recv_into(buffer, nbytes, flags)

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        self.recv_calls += 1
        return super().recv(bufsize, flags)


def _pair() -> tuple[socket.socket, socket.socket]:
    """A connected pair on loopback: (the student's end, the check's end)."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(STEP_TIMEOUT)
        ours = socket.create_connection(listener.getsockname(), timeout=STEP_TIMEOUT)
        try:
            theirs, _ = listener.accept()
        except BaseException:
            ours.close()
            raise
    theirs.settimeout(STEP_TIMEOUT)
    ours.settimeout(STEP_TIMEOUT)
    return ours, theirs


class _Feeder:
    """Sends ``pieces`` from a kit thread, each once the student's last call returned; then maybe ends the stream."""

    def __init__(self, sock: socket.socket, pieces: list[bytes], returned: threading.Event,
                 end_stream: bool) -> None:
        self.sock, self.pieces, self.returned, self.end_stream = sock, pieces, returned, end_stream
        self.finished = threading.Event()
        self.thread = threading.Thread(target=self._run, name=THREAD_NAME, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            for piece in self.pieces:
                if self.finished.is_set():
                    return
                self.returned.clear()
                self.sock.sendall(piece)
                self.returned.wait(PIECE_WAIT)
            if self.end_stream:
                self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the student's end was closed: nothing left to feed

    def stop(self) -> None:
        self.finished.set()
        self.returned.set()
        self.thread.join(STEP_TIMEOUT + PIECE_WAIT)


def _leftover(sock: socket.socket, expected: int) -> bytes:
    """What is still waiting for the next reader: up to ``expected`` bytes, until the end of the stream."""
    data = b""
    try:
        while len(data) < expected and (chunk := sock.recv(expected - len(data))):
            data += chunk
    except OSError:
        pass
    return data


def _calls(count: int) -> str:
    return f"{count} recv_into() call{'' if count == 1 else 's'}"


def _happened(outcome: Outcome) -> str:
    """What the call did, in words; a loop stopped after ignoring 0 is told as such."""
    if outcome.raised(KeptReading):
        return f"recv_into() was called {MAX_RECVS_AFTER_EOF} more times after it had returned 0"
    return outcome.describe()


def _buffer_words(buffer: bytearray, data: bytes) -> str:
    """What the buffer holds compared with what was sent: zeros, a right start, or a wrong one."""
    if not any(buffer):
        return "the buffer is still all zeros"
    right = next((i for i, (a, b) in enumerate(zip(buffer, data)) if a != b), min(len(buffer), len(data)))
    if right == 0:
        return "the buffer does not start with the first bytes sent"
    rest = "zeros" if not any(buffer[right:]) else "other bytes"
    return f"the buffer holds the first {right} of the {len(data)} bytes sent, then {rest}"


def _hints(buffer: bytearray, data: bytes, counted: _Counted, filled_by_one: bool) -> list[Hint]:
    """Hints for a case that should have filled ``buffer`` with ``data``, by what the buffer shows."""
    start = data[:PIECE_SIZE]
    untouched = not any(buffer)

    def returned(outcome: Outcome) -> bool:
        return outcome.ok

    return [
        Hint(raised(KeptReading), "recv_into() returned 0: the peer closed and nothing more will come. "
                                  "Stop there and raise ConnectionError"),
        Hint(lambda o: not o.hung and o.raised(ConnectionError) and not o.raised(KeptReading),
             "ConnectionError, but the peer had not closed: raise it only when recv_into() returns 0. A "
             "short read is normal, a full buffer ends the loop (while got < len(buffer)), and recv_into() "
             "on an empty view returns 0 too"),
        Hint(lambda o: o.raised(TypeError) and "read-write" in str(o.error),
             "recv_into() needs a writable buffer: a memoryview of the caller's bytearray, not of a "
             "copy such as bytes(buffer)"),
        Hint(lambda o: o.raised(ValueError) and "too small" in str(o.error),
             "nbytes must be at most the length of the view you pass: recv_into(view[got:]) alone, or "
             "recv_into(view[got:], len(buffer) - got)"),
        Hint(lambda o: o.hung or o.raised(TimeoutError),
             "stop once len(buffer) bytes have arrived: add up what each recv_into() returns"),
        Hint(lambda o: counted.recv_into_calls == 0 and counted.recv_calls > 0,
             "use sock.recv_into(view[got:]): it writes straight into the buffer, with no new bytes "
             "object per call"),
        Hint(lambda o: untouched and counted.recv_into_calls > 0,
             "recv_into() wrote into something other than the caller's buffer: buffer[got:] of a "
             "bytearray is a copy, and so is a new bytearray. Write through a memoryview of the "
             "caller's buffer: view = memoryview(buffer), then recv_into(view[got:])"),
        Hint(lambda o: not filled_by_one and bytes(buffer[:PIECE_SIZE]) != start,
             "each call must write after the bytes already there: recv_into(view[got:]), where got "
             "counts the bytes received so far; recv_into(buffer) writes from the start every time"),
        Hint(lambda o: returned(o) and bytes(buffer) != data and counted.recv_into_calls > 1,
             "add up what each recv_into() returns, not the length of the view you passed: it returns "
             "what has arrived so far, often less than the view"),
        Hint(lambda o: returned(o) and bytes(buffer) != data,
             "recv_into(), like recv(), returns what has arrived so far, often less than the buffer: "
             "call it in a loop until the buffer is full, adding up what each call returns (not the "
             "length of the view you passed)"),
        Hint(lambda o: returned(o) and o.value == len(data),
             "return the number of recv_into() calls, not the number of bytes"),
        Hint(always, "count every recv_into() call and return that count"),
    ]


def _run_case(fill_buffer: Callable[..., Any], pieces: list[bytes], size: int, *,
              end_stream: bool = False, extra: bytes = b"", piecewise: bool = True
              ) -> tuple[Outcome, bytearray, _Counted, bytes]:
    """One call of the student's function on a fresh connection; (outcome, buffer, counts, left over)."""
    student, check = _pair()
    returned = threading.Event()
    counted = _Counted(student, returned)
    buffer = bytearray(size)
    with student, check:
        if piecewise:
            feeder = _Feeder(check, pieces, returned, end_stream)
        else:
            check.sendall(b"".join(pieces) + extra)
            feeder = _Feeder(check, [], returned, end_stream)
        try:
            outcome = attempt(fill_buffer, counted, buffer, deadline=STEP_TIMEOUT,
                              on_hang=lambda: student.shutdown(socket.SHUT_RDWR))
            counted.closed_by_student = counted.closed   # now: the with block below closes it anyway
        finally:
            feeder.stop()
        left = b""
        if extra and not outcome.hung:
            check.shutdown(socket.SHUT_WR)  # the end of the stream ends the read of what is left at once
            left = _leftover(student, len(extra))
    return outcome, buffer, counted, left


def check_fill_buffer(fill_buffer: Callable[[socket.socket, bytearray], int]) -> Report:
    """Check ``fill_buffer(sock, buffer) -> int``: the buffer filled in place, the calls counted, 0 handled."""
    report = Report("fill_buffer")
    if report.unwritten(fill_buffer):
        return report
    rng = random.Random(SEED)
    waiting = rng.randbytes(32)
    pieces = [rng.randbytes(PIECE_SIZE) for _ in range(PIECES)]
    large = rng.randbytes(LARGE)
    head, tail = rng.randbytes(24), rng.randbytes(8)
    last_alone = [rng.randbytes(39), rng.randbytes(1)]
    cases = [
        ("32 bytes already waiting fill a 32-byte buffer", [waiting], 32, {"piecewise": False}),
        (f"{PIECES} pieces of {PIECE_SIZE} bytes, each sent once the last call returned, fill a "
         f"{PIECES * PIECE_SIZE}-byte buffer in order", pieces, PIECES * PIECE_SIZE, {}),
        ("39 bytes, then the last byte alone, sent once the last call returned, fill a 40-byte buffer",
         last_alone, 40, {}),
        ("1 MiB fills a 1 MiB buffer", [large], LARGE, {}),
        ("24 bytes fill a 24-byte buffer, and the 8 bytes sent after them stay in the socket for the "
         "next reader", [head], 24, {"piecewise": False, "extra": tail}),
    ]
    used_recv = False
    with Watch(STEP_TIMEOUT):
        for what, sent, size, options in cases:
            outcome, buffer, counted, left = _run_case(fill_buffer, sent, size, **options)
            used_recv = used_recv or counted.recv_calls > 0
            data = b"".join(sent)
            hints = _hints(buffer, data, counted, filled_by_one=not options.get("piecewise", True))
            extra = options.get("extra", b"")
            if outcome.raised(NotImplementedError):
                report.case(what, outcome, function="fill_buffer")
            elif not outcome.ok:
                report.check(False, f"{what}: {_happened(outcome)}", pick_hint(outcome, hints))
            elif bytes(buffer) != data:
                report.check(False, f"{what}: after {_calls(counted.recv_into_calls)}, "
                                    f"{_buffer_words(buffer, data)}", pick_hint(outcome, hints))
            elif counted.closed_by_student:
                report.check(False, f"{what}, but your function closed the socket", CLOSED)
            elif extra and left != extra:
                report.check(False, f"{what}: only {len(left)} of the {len(extra)} bytes after the buffer "
                                    "were still in the socket",
                             "read no more than the bytes still missing: recv_into(view[got:]) never "
                             "asks for more, so it never takes bytes beyond the buffer")
            elif outcome.value != counted.recv_into_calls:
                report.check(False, f"{what}, but it returned {outcome.value!r} after "
                                    f"{_calls(counted.recv_into_calls)}", pick_hint(outcome, hints))
            else:
                report.check(True, what)
            if report.stopped:
                return report
        _check_end_of_stream(report, fill_buffer)
    report.tidy(not used_recv, "it used recv_into() only, never recv(): no new bytes object per call",
                "use sock.recv_into(view[got:]) instead of recv(): recv() makes a new bytes object each time")
    return report.finish()


def _check_end_of_stream(report: Report, fill_buffer: Callable[..., Any]) -> None:
    what = "the peer ends the stream after 10 of 32 bytes: fill_buffer() raises ConnectionError"
    outcome, buffer, counted, _ = _run_case(fill_buffer, [bytes(range(10))], 32, end_stream=True)
    hints = [
        Hint(raised(KeptReading), f"recv_into() returned 0 and the loop went on ({MAX_RECVS_AFTER_EOF} more "
                                  "calls): 0 means the peer closed and nothing more will come. Raise "
                                  "ConnectionError there"),
        Hint(hung, "recv_into() returned 0 (the peer closed): stop there and raise ConnectionError"),
        Hint(lambda o: o.raised(ValueError) and "too small" in str(o.error),
             "nbytes must be at most the length of the view you pass: recv_into(view[got:]) alone"),
        Hint(lambda o: o.error is not None, "raise ConnectionError (a built-in exception) when "
                                            "recv_into() returns 0, not another kind of error"),
        Hint(always, "when recv_into() returns 0 the buffer can never be filled: raise ConnectionError "
                     "instead of returning"),
    ]
    if counted.closed_by_student:
        report.check(False, f"{what}, but your function closed the socket", CLOSED)
    elif outcome.raised(ConnectionError) and not outcome.raised(KeptReading):
        report.check(True, what)
    else:
        report.check(False, f"{what}: {_happened(outcome)}", pick_hint(outcome, hints))

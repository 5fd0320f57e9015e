"""Self-checks for notebook 06, Byte streams: a line reader and a frame reader.

Why these checks look the way they do
-------------------------------------
A reader that assumes "one ``recv`` is one message" passes every test on
loopback that sends a short message in one piece: the bytes happen to arrive
together. So the checks here cut the stream on purpose: one byte at a time, at
every offset, at random (seeded, so a failure can be repeated), inside a
multi-byte UTF-8 character, and with every ``recv`` size from 1 to 4096. They
also send what a careless or hostile peer sends: a last line without its
newline, a line that never ends, a length prefix larger than allowed, a
stream that stops in the middle of a frame.

The student's reader gets a real TCP socket on loopback. To make a cut reach
the reader as a cut (and not glued to the next piece by timing luck), the
check sends one piece, waits until the reader has taken every byte of it with
``recv``, and only then sends the next. The reader's socket is a subclass of
``socket.socket`` that counts what ``recv`` and ``recv_into`` took; it is a
real socket in every other respect.

Nothing hangs: the reader runs in a worker thread with a deadline, its socket
has a short timeout, and a reader that loops forever after the peer closed
(``recv`` returning ``b""`` again and again) is stopped by closing its socket.
Every case prints one line: a tick, or a cross with what went wrong and a hint.
"""

from __future__ import annotations

import random
import socket
import struct
import threading
import time
from itertools import islice
from typing import Callable, Iterable

from . import Report, default_timeout, describe_error

__all__ = [
    "check_read_lines",
    "check_read_frame",
    "example_chunkings",
    "LINE_TEXT",
    "SWEEP_TEXT",
]

#: The short text most line cases send: 1-, 2-, 3- and 4-byte UTF-8 characters
#: ("ü" is 2 bytes, "€" and "✓" are 3, "🙂" is 4).
LINE_TEXT = "Grüße, Zoë!\n€ 5 ✓\n🙂 ok\n"

#: Seconds the reader's socket waits in ``recv`` before raising ``TimeoutError``.
#: Long enough for loopback on a busy machine, short enough that a reader
#: waiting for data that will never come is caught quickly.
READER_TIMEOUT = 1.0

#: Seconds a reader may take for one case before it is stopped. A correct
#: reader needs milliseconds (the recv-size sweep a few hundred at most).
DEADLINE = 3.0

#: The largest ``recv`` size the sweep tries, from the exercise's promise.
MAX_BUFSIZE = 4096


def _sweep_text() -> str:
    """Just over 4096 bytes of lines (some empty, many with multi-byte characters).

    Longer than the largest ``recv`` size, so that every size from 1 to 4096
    cuts it differently. Built from a seeded generator: the same on every run.
    """
    words = ["byte", "stream", "naïve", "café", "Grüße", "€", "✓", "🙂", "TCP",
             "recv", "send", "Zoë", "日本", "ω", "x"]
    rng = random.Random(650)
    lines: list[str] = []
    while sum(len(line.encode()) + 1 for line in lines) <= MAX_BUFSIZE + 100:
        lines.append(" ".join(rng.choice(words) for _ in range(rng.randint(0, 14))))
    return "\n".join(lines) + "\n"


#: The text of the recv-size sweep and of the random cuts.
SWEEP_TEXT = _sweep_text()


def _lines_of(text: str) -> list[str]:
    """What a correct reader yields for ``text`` (a last line without newline included)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _cut(data: bytes, sizes: Iterable[int]) -> list[bytes]:
    pieces, start = [], 0
    for size in sizes:
        if start >= len(data):
            break
        pieces.append(data[start : start + size])
        start += size
    if start < len(data):
        pieces.append(data[start:])
    return pieces


def _random_cuts(data: bytes, seed: int, largest: int = 64) -> list[bytes]:
    rng = random.Random(seed)
    return _cut(data, iter(lambda: rng.randint(1, largest), None))


def _inside_umlaut() -> int:
    """Offset that cuts LINE_TEXT between the two bytes of its first 'ü'."""
    return LINE_TEXT.encode().index("ü".encode()) + 1


def example_chunkings() -> dict[str, list[bytes]]:
    """Some of the cuts ``check_read_lines`` makes of ``LINE_TEXT``, to draw with ``plots.chunkings``."""
    data = LINE_TEXT.encode()
    k = _inside_umlaut()
    smile = data.index("🙂".encode()) + 2  # between the 2nd and 3rd of its 4 bytes
    return {
        "in one piece": [data],
        "cut inside 'ü'": [data[:k], data[k:]],
        "one byte per recv": [data[i : i + 1] for i in range(len(data))],
        "cut inside a 4-byte emoji": [data[:smile], data[smile:]],
        "random cuts": _random_cuts(data, seed=1, largest=8),
    }


# --------------------------------------------------------------------------
# A real socket that tells the check how much its reader has taken.


class _WatchedSocket(socket.socket):
    """A TCP socket that counts the bytes taken by ``recv`` and ``recv_into``.

    The check uses the count to send the next piece only after the reader has
    taken the previous one, so every cut reaches the reader as a cut.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.taken = 0
        self.changed = threading.Condition()

    def _took(self, nbytes: int) -> None:
        with self.changed:
            self.taken += nbytes
            self.changed.notify_all()

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        data = super().recv(bufsize, flags)
        if not flags & getattr(socket, "MSG_PEEK", 0):
            self._took(len(data))
        return data

    def recv_into(self, buffer, nbytes: int = 0, flags: int = 0) -> int:
        count = super().recv_into(buffer, nbytes, flags)
        if not flags & getattr(socket, "MSG_PEEK", 0):
            self._took(count)
        return count

    def wait_taken(self, total: int, alive: Callable[[], bool], timeout: float = 1.0) -> bool:
        """Wait until the reader has taken ``total`` bytes; False if it stopped or took too long."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while self.taken < total:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not alive():
                    return False
                self.changed.wait(min(remaining, 0.05))
        return True


class _Outcome:
    """What the student's code did in one case."""

    def __init__(self) -> None:
        self.items: list = []  # what it returned, in order, kept even if it later raised
        self.error: BaseException | None = None
        self.hung = False  # still running at the deadline: stopped by closing its socket
        self.note = ""  # set by a consumer to say where it went wrong


class _Bench:
    """A listener for one check run; hands out connected (reader, sender) pairs."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(5.0)

    def close(self) -> None:
        self.listener.close()

    def session(
        self,
        consume: Callable[[_WatchedSocket, socket.socket, _Outcome], None],
        pieces: Iterable[bytes] = (),
        close: bool = True,
        deadline: float | None = None,
    ) -> _Outcome:
        """Run ``consume(reader, sender, outcome)`` in a worker while the pieces are sent.

        Each piece goes out only after the reader has taken the one before.
        ``close`` half-closes the sender afterwards (the reader then sees b"").
        """
        if deadline is None:
            deadline = DEADLINE  # read now, so that a test can shorten it
        outcome = _Outcome()
        reader = _WatchedSocket(socket.AF_INET, socket.SOCK_STREAM)
        sender: socket.socket | None = None
        try:
            reader.settimeout(READER_TIMEOUT)
            reader.connect(self.listener.getsockname())
            sender, _ = self.listener.accept()
            sender.settimeout(2.0)

            def work() -> None:
                try:
                    consume(reader, sender, outcome)
                except BaseException as error:  # noqa: BLE001 - reported in words
                    outcome.error = error

            worker = threading.Thread(target=work, name="check-byte-streams-reader", daemon=True)
            worker.start()
            sent, synced = 0, True
            try:
                for piece in pieces:
                    sender.sendall(piece)
                    sent += len(piece)
                    if synced:
                        synced = reader.wait_taken(sent, worker.is_alive)
                if close:
                    sender.shutdown(socket.SHUT_WR)
            except OSError:
                pass  # the reader stopped reading; its own outcome tells why
            worker.join(deadline)
            if worker.is_alive():
                outcome.hung = True
                try:
                    reader.shutdown(socket.SHUT_RDWR)  # wakes a recv blocked without a timeout
                except OSError:
                    pass
                reader.close()  # a loop calling recv() again now gets an OSError
                worker.join(1.0)
        finally:
            reader.close()
            if sender is not None:
                sender.close()
        return outcome


def _short(value: object, limit: int = 60) -> str:
    shown = repr(value)
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


def _describe_error(error: BaseException) -> str:
    if isinstance(error, TimeoutError) and not type(error).__module__.startswith("sockutil"):
        return "raised TimeoutError (it waited for data that was never going to come)"
    return f"raised {describe_error(error)}"


_HANG = (
    "did not finish within {deadline:g} s and was stopped. recv() returns b'' once the "
    "peer has closed, and keeps returning b'': stop reading when you get it"
)
_STOPPED = "the remaining cases are skipped: fix this one first"


# --------------------------------------------------------------------------
# Exercise 1: a line reader.

_HINT_GLUED = (
    "one recv() can return several lines: hand over every complete line in your "
    "buffer before you call recv() again"
)
_HINT_CUT = (
    "a recv() can end anywhere, even in the middle of a line: keep the unfinished "
    "part in a buffer of bytes and add the next recv() to it"
)
_HINT_UTF8 = (
    "decode whole lines, not single recv() results: a character of 2 to 4 bytes can be "
    "cut in two. b'\\n' never occurs inside a UTF-8 character, so split at b'\\n' first, "
    "then decode"
)
_HINT_BYTES = "yield str, not bytes: decode each line with .decode('utf-8')"
_HINT_END = (
    "when recv() returns b'', the peer has closed: yield what is left in your buffer "
    "as the last line, if anything is left"
)
_HINT_NOW = (
    "yield each line as soon as its b'\\n' has arrived; do not wait for more data or for "
    "the end of the stream: in a conversation the peer waits for your answer"
)
_HINT_LONG = (
    "after every recv(), check the buffer: once it holds more than max_line bytes "
    "without a b'\\n', raise ValueError. A broken or hostile peer may never send one"
)
_HINT_BYTE_COUNT = (
    "max_line counts bytes (before decoding), not characters; check the length of every "
    "line, also of one whose b'\\n' came in the same recv()"
)
_HINT_EXACT = (
    "a line of exactly max_line bytes is allowed; raise only when a line, without its "
    "b'\\n', is longer than max_line bytes"
)


def _lines_consumer(read_lines: Callable, bufsize: int = 4096, max_line: int = 1000,
                    limit: int | None = None):
    """Collect what ``read_lines`` yields (all of it, or the first ``limit`` lines)."""

    def consume(reader: socket.socket, _sender: socket.socket, outcome: _Outcome) -> None:
        lines = iter(read_lines(reader, bufsize, max_line))
        for line in lines if limit is None else islice(lines, limit):
            outcome.items.append(line)

    return consume


class _Case:
    """Shared judging of line-reader outcomes."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.stopped = False

    def unwritten(self, what: str, outcome: _Outcome) -> bool:
        """A stub that raises NotImplementedError: one line, not one per case."""
        if isinstance(outcome.error, NotImplementedError):
            self.report.check(False, f"{what}: {_describe_error(outcome.error)}",
                              "write your function in the cell above and run that cell, "
                              "then run this check again")
            self.stopped = True
            return True
        return False

    def hang(self, what: str, outcome: _Outcome) -> bool:
        if outcome.hung:
            self.report.check(False, f"{what}: " + _HANG.format(deadline=DEADLINE), _STOPPED)
            self.stopped = True
        return outcome.hung

    def lines(self, what: str, outcome: _Outcome, expected: list[str], hint: str) -> bool:
        if self.hang(what, outcome):
            return False
        if self.unwritten(what, outcome):
            return False
        if outcome.error is not None:
            error = outcome.error
            if isinstance(error, UnicodeDecodeError):
                hint = _HINT_UTF8
            elif isinstance(error, TimeoutError):
                hint = _HINT_NOW  # whole lines had arrived, yet it asked for more
            where = f" {outcome.note}" if outcome.note else ""
            return self.report.check(False, f"{what}:{where} {_describe_error(error)}", hint)
        got = outcome.items
        if got == expected:
            return self.report.check(True, what)
        if got and all(isinstance(x, (bytes, bytearray)) for x in got):
            hint = _HINT_BYTES
        elif got == expected + [""]:
            hint = ("when recv() returns b'' and your buffer is empty, there is no last "
                    "line: yield the rest only if something is left")
        where = f" {outcome.note}" if outcome.note else ""
        return self.report.check(False, f"{what}:{where} got {_short(got)}", hint)


def _one_stream(read_lines: Callable, bench: _Bench, rounds: list[list[bytes]], text: str,
                describe: Callable[[int], str]) -> _Outcome:
    """Send ``text`` once per round, each round cut into its own pieces, on one connection.

    The outcome is boiled down to one round, so it can be judged against the
    lines of ``text``: the first wrong round (named in ``note``), or a right one.
    """
    expected = _lines_of(text)
    per = len(expected)
    pieces = [piece for round_ in rounds for piece in round_]
    outcome = bench.session(_lines_consumer(read_lines), pieces)
    if outcome.hung:
        return outcome
    got = outcome.items
    for index in range(len(rounds)):
        mine = got[index * per : (index + 1) * per]
        if mine != expected:
            outcome.note = describe(index)
            outcome.items = mine
            return outcome
    if len(got) > per * len(rounds) and outcome.error is None:
        outcome.note = "(after the last round)"
        outcome.items = got[per * len(rounds) :]
        return outcome
    outcome.items = expected
    return outcome


def check_read_lines(read_lines: Callable) -> None:
    """Check ``read_lines(sock, bufsize=4096, max_line=1000)``, a generator of str lines.

    The reader must hand over each line (without its b"\\n", decoded from
    UTF-8) as soon as it is complete, whatever the cuts in the stream; hand
    over a last line that lacks its newline; and raise ``ValueError`` once a
    line passes ``max_line`` bytes.
    """
    report = Report("read_lines")
    case = _Case(report)
    data = LINE_TEXT.encode()
    expected = _lines_of(LINE_TEXT)
    bench = _Bench()
    try:
        with default_timeout():
            steps = _line_steps(read_lines, bench, case, data, expected)
            for step in steps:
                if case.stopped:
                    break
                step()
    finally:
        bench.close()
    report.finish()


def _line_steps(read_lines: Callable, bench: _Bench, case: _Case, data: bytes,
                expected: list[str]) -> list[Callable[[], object]]:
    consumer = _lines_consumer
    k = _inside_umlaut()
    sweep_bytes = SWEEP_TEXT.encode()
    sweep_lines = _lines_of(SWEEP_TEXT)

    def glued() -> None:
        out = bench.session(consumer(read_lines), [b"hello\nworld\n"])
        case.lines("two lines in one piece: ['hello', 'world']", out, ["hello", "world"], _HINT_GLUED)

    def umlaut() -> None:
        out = bench.session(consumer(read_lines), [data[:k], data[k:]])
        case.lines(f"'ü' cut in two: {data[:k]!r} then {data[k:k + 6]!r}...", out, expected, _HINT_UTF8)

    def bytewise() -> None:
        pieces = [data[i : i + 1] for i in range(len(data))]
        out = bench.session(consumer(read_lines), pieces)
        case.lines(f"one byte per recv() ({len(data)} bytes)", out, expected, _HINT_CUT)

    def every_offset() -> None:
        rounds = [[data[:i], data[i:]] for i in range(1, len(data))]
        out = _one_stream(read_lines, bench, rounds, LINE_TEXT,
                          lambda i: f"(first wrong at the cut after byte {i + 1}: "
                                    f"{_short(data[:i + 1][-6:], 20)} | {_short(data[i + 1:][:6], 20)})")
        case.lines(f"cut in two at every offset ({len(data) - 1} cuts)", out, expected, _HINT_CUT)

    def every_bufsize() -> None:
        count = len(sweep_lines)

        def consume(reader: socket.socket, sender: socket.socket, outcome: _Outcome) -> None:
            for size in range(1, MAX_BUFSIZE + 1):
                outcome.note = f"(first wrong with bufsize={size})"
                sender.sendall(sweep_bytes)
                got = list(islice(iter(read_lines(reader, size, 1000)), count))
                if got != sweep_lines:
                    outcome.items = got
                    return
            outcome.note = ""
            outcome.items = sweep_lines

        out = bench.session(consume, close=False, deadline=4 * DEADLINE)
        case.lines(f"recv(bufsize) for every bufsize from 1 to {MAX_BUFSIZE} "
                   f"({len(sweep_bytes)} bytes each)", out, sweep_lines, _HINT_CUT)

    def random_cuts() -> None:
        seeds = range(1, 6)
        rounds = [_random_cuts(sweep_bytes, seed) for seed in seeds]
        out = _one_stream(read_lines, bench, rounds, SWEEP_TEXT,
                          lambda i: f"(first wrong in round {i + 1}, random.Random({i + 1}))")
        case.lines(f"random cuts ({len(rounds)} rounds of {len(sweep_bytes)} bytes, seeded)",
                   out, sweep_lines, _HINT_CUT)

    def no_newline() -> None:
        out = bench.session(consumer(read_lines), [b"first\nlast words"])
        case.lines("a last line without b'\\n' is still a line: ['first', 'last words']", out,
                   ["first", "last words"], _HINT_END)

    def empty_lines() -> None:
        out = bench.session(consumer(read_lines), [b"a\n\nb\n"])
        case.lines("empty lines are lines: ['a', '', 'b']", out, ["a", "", "b"],
                   "b'\\n' right after b'\\n' ends an empty line: yield ''")

    def nothing() -> None:
        out = bench.session(consumer(read_lines), [])
        case.lines("a stream that ends at once has no lines: []", out, [],
                   "when recv() returns b'' and your buffer is empty, there is no last line")

    def at_once() -> None:
        what = "each line is handed over as soon as it is complete"

        def consume(reader: socket.socket, sender: socket.socket, outcome: _Outcome) -> None:
            lines = iter(read_lines(reader, 4096, 1000))
            sender.sendall(b"first\n")
            outcome.items.append(next(lines))
            sender.sendall(b"second\n")
            outcome.items.append(next(lines))
            sender.shutdown(socket.SHUT_WR)
            outcome.items.extend(lines)

        out = bench.session(consume, close=False)
        case.lines(what, out, ["first", "second"], _HINT_NOW)

    def exact() -> None:
        text = b"0123456789\n\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\n"  # 10 digits, 'ééééé'
        pieces = [text[i : i + 1] for i in range(len(text))]
        out = bench.session(_lines_consumer(read_lines, 4096, 10), pieces)
        case.lines("lines of exactly max_line bytes are fine (max_line=10, "
                   "'0123456789' and 'ééééé', one byte per recv)",
                   out, ["0123456789", "ééééé"], _HINT_EXACT)

    def byte_count() -> None:
        what = "max_line counts bytes: 'éééééx' is 6 characters but 11 bytes (max_line=10)"
        out = bench.session(_lines_consumer(read_lines, 4096, 10), ["éééééx\n".encode()])
        _expect_value_error(case, what, out, _HINT_BYTE_COUNT)

    def endless() -> None:
        what = "a line that never ends raises ValueError (5000 bytes, no b'\\n', max_line=1000)"
        out = bench.session(_lines_consumer(read_lines, 4096, 1000), [b"x" * 5000], close=False)
        _expect_value_error(case, what, out, _HINT_LONG)

    return [glued, umlaut, bytewise, every_offset, every_bufsize, random_cuts, no_newline,
            empty_lines, nothing, at_once, exact, byte_count, endless]


def _expect_value_error(case: _Case, what: str, out: _Outcome, hint: str) -> None:
    if case.hang(what, out) or case.unwritten(what, out):
        return
    error = out.error
    if isinstance(error, ValueError) and not isinstance(error, UnicodeError):
        case.report.check(True, what)
    elif error is None:
        case.report.check(False, f"{what}: no error; got {_short(out.items)}", hint)
    else:
        case.report.check(False, f"{what}: {_describe_error(error)}", hint)


# --------------------------------------------------------------------------
# Exercise 2: a length-prefixed frame reader.

_HINT_EXACTLY = (
    "recv(n) returns up to n bytes: loop until you have exactly 4 header bytes, "
    "then exactly as many body bytes as the header says"
)
_HINT_CLOSED = (
    "raise ConnectionError when recv() returns b'' in the middle of a frame: "
    "the frame can never be completed"
)


def _frame(body: bytes) -> bytes:
    return struct.pack("!I", len(body)) + body


def _frames_consumer(read_frame: Callable, calls: int, max_size: int = 1_000_000):
    """Call ``read_frame`` up to ``calls`` times, stopping after it returns None."""

    def consume(reader: socket.socket, _sender: socket.socket, outcome: _Outcome) -> None:
        for _ in range(calls):
            result = read_frame(reader, max_size)
            outcome.items.append(result)
            if result is None:
                return

    return consume


def check_read_frame(read_frame: Callable) -> None:
    """Check ``read_frame(sock, max_size=1_000_000)``: one length-prefixed frame, or None.

    A frame is a 4-byte big-endian length (``struct.pack('!I', n)``) then n
    bytes. ``None`` means the peer closed cleanly between frames; closing
    inside a frame must raise ``ConnectionError``; a declared length over
    ``max_size`` must raise ``ValueError`` before the body is read.
    """
    report = Report("read_frame")
    case = _Case(report)
    bench = _Bench()
    frames = [b"hi", "héllo".encode(), b"", b"x" * 300]
    stream = b"".join(_frame(f) for f in frames)

    def expect(what: str, out: _Outcome, expected: list, hint: str) -> None:
        if case.hang(what, out) or case.unwritten(what, out):
            return
        if out.error is not None:
            report.check(False, f"{what}: {_describe_error(out.error)}", hint)
        elif out.items == expected:
            report.check(True, what)
        else:
            report.check(False, f"{what}: got {_short(out.items)}", hint)

    def expect_error(what: str, out: _Outcome, kind: type, hint: str) -> None:
        if case.hang(what, out) or case.unwritten(what, out):
            return
        error = out.error
        if isinstance(error, kind) and not isinstance(error, (TimeoutError, UnicodeError)):
            report.check(True, what)
        elif error is None:
            report.check(False, f"{what}: no error; got {_short(out.items)}", hint)
        else:
            report.check(False, f"{what}: {_describe_error(error)}", hint)

    def whole() -> None:
        out = bench.session(_frames_consumer(read_frame, 2), [_frame(b"hello")])
        expect("one frame in one piece, then the end: [b'hello', None]", out,
               [b"hello", None], _HINT_EXACTLY)

    def glued() -> None:
        out = bench.session(_frames_consumer(read_frame, 5), [stream])
        expect(f"four frames in one piece ({len(stream)} bytes), one per call", out,
               frames + [None], "take exactly one frame per call; keep the rest for the next")

    def empty() -> None:
        out = bench.session(_frames_consumer(read_frame, 3), [_frame(b""), _frame(b"x")])
        expect("an empty frame is b'', not None: [b'', b'x', None]", out, [b"", b"x", None],
               "a length of 0 is a frame with an empty body: return b''; None means the peer closed")

    def bytewise() -> None:
        pieces = [stream[i : i + 1] for i in range(len(stream))]
        out = bench.session(_frames_consumer(read_frame, 5), pieces)
        expect("one byte per recv(), the header too", out, frames + [None], _HINT_EXACTLY)

    def offsets() -> None:
        data = _frame(b"hello") + _frame("héllo".encode())
        cuts = list(range(1, len(data)))
        pieces = [p for i in cuts for p in (data[:i], data[i:])]
        out = bench.session(_frames_consumer(read_frame, 2 * len(cuts) + 1), pieces)
        expect(f"cut in two at every offset ({len(cuts)} cuts)", out,
               [b"hello", "héllo".encode()] * len(cuts) + [None], _HINT_EXACTLY)

    def large() -> None:
        what = "a frame of 307 200 bytes arrives whole"
        body = bytes(range(256)) * 1200  # 307 200 bytes: more than one recv() returns
        out = bench.session(_frames_consumer(read_frame, 2), [_frame(body)])
        if case.hang(what, out) or case.unwritten(what, out):
            return
        if out.error is not None:
            report.check(False, f"{what}: {_describe_error(out.error)}", _HINT_EXACTLY)
        elif out.items == [body, None]:
            report.check(True, what)
        else:
            sizes = [len(x) if isinstance(x, (bytes, bytearray)) else x for x in out.items]
            report.check(False, f"{what}: got results of sizes {sizes}", _HINT_EXACTLY)

    def in_header() -> None:
        out = bench.session(_frames_consumer(read_frame, 2), [_frame(b"ok") + b"\x00\x00"])
        expect_error("the peer closes inside a header: ConnectionError", out, ConnectionError,
                     _HINT_CLOSED)

    def in_body() -> None:
        out = bench.session(_frames_consumer(read_frame, 2), [struct.pack("!I", 10) + b"abc"])
        expect_error("the peer closes inside a body: ConnectionError", out, ConnectionError,
                     _HINT_CLOSED)

    def too_large() -> None:
        what = "a declared length over max_size raises ValueError before the body"

        def consume(reader: socket.socket, _sender: socket.socket, outcome: _Outcome) -> None:
            outcome.items.append(read_frame(reader, 1000))

        out = bench.session(consume, [struct.pack("!I", 2_000_000) + b"x" * 100], close=False)
        expect_error(what + " (2 000 000 > 1000)", out, ValueError,
                     "compare the length with max_size as soon as you have the header, and "
                     "raise ValueError before reading (or waiting for) the body")

    try:
        with default_timeout():
            for step in (whole, glued, empty, bytewise, offsets, large, in_header, in_body, too_large):
                if case.stopped:
                    break
                step()
    finally:
        bench.close()
    report.finish()

"""The check of notebook 06's frame reader: ``read_frame(sock, max_size=1_000_000)``.

A frame is a 4-byte big-endian length (``struct.pack('!I', n)``) and then n
bytes. ``None`` means the peer closed cleanly between frames; a close inside
a frame must raise ``ConnectionError``; a declared length over ``max_size``
must raise ``ValueError`` before the body is read.

Why these cases: a reader that takes one ``recv(4)`` for the header and one
``recv(n)`` for the body passes whenever a frame arrives in one piece. So the
check feeds frames one byte at a time, cut at every offset, glued together,
and one far larger than a ``recv`` returns (see ``reader_bench``).

Hints are chosen by what the reader did: a ``struct.error`` means a header
of fewer than 4 bytes (a missing loop, not a missing prefix); a refusal
right after the first header, or a wait for more than was sent, points at the
byte order or the length; a frame that arrived whole coming back 4 bytes short
means the length was taken to count the header, a long body cut to its
length's low 2 bytes means '!H'; a body shorter than sent means a missing loop;
more bytes taken than the frames returned (or, when a call returned, than the
frames so far hold) means bytes lost for the next call; None after 1 to 3
header bytes means a short ``recv(4)`` taken for the end; a ValueError after
``recv`` returned ``b""`` means the wrong error for a cut frame.
"""

from __future__ import annotations

import struct
from typing import Callable, NamedTuple

from ...exercise_guard import guarded
from .. import Hint, Report, Watch, always, hung, pick_hint, raised, short
from ..reader_bench import ReaderBench, Reading, describe_reading

__all__ = ["check_read_frame"]

HINT_SPIN = ("your reader kept calling recv() after it returned b'': the peer has closed. "
             "b'' before the first byte of a frame means return None; b'' inside a frame means "
             "raise ConnectionError")
HINT_STUCK = "it was still running when stopped: make sure every loop ends when recv() returns b''"
HINT_HEADER = ("recv(4) returned fewer than 4 bytes here (recv(n) returns 1 to n bytes): loop until "
               "you have all 4 header bytes, then unpack them")
HINT_BYTE_ORDER = ("it refused a frame that is not over max_size: read the length as big-endian "
                   "(network byte order), struct.unpack('!I', header). '<I', or 'I' (this machine's "
                   "order), reads b'\\x00\\x00\\x00\\x05' as 83 886 080")
HINT_WANTED_MORE = ("the frames were complete, yet your reader waited for more bytes: the 4-byte header "
                    "is big-endian (struct.unpack('!I', header)) and counts the body's bytes only")
HINT_BODY = ("recv(n) returns up to n bytes: loop until you have as many body bytes as the header "
             "says (the rest arrives in later recv() calls)")
HINT_TOO_MUCH = ("your reader took more bytes than its frames hold, and those bytes are lost for the "
                 "next call: ask recv() only for what this frame still needs, 4 - len(header) and "
                 "then length - len(body)")
HINT_WITH_HEADER = "return the body only, without its 4-byte header"
HINT_STR = "return the body as bytes, as it arrived: a frame can carry any bytes, not only text"
HINT_EMPTY = "a length of 0 is a frame with an empty body: return b''; None means the peer closed"
HINT_CLEAN_END = ("when the peer closes before the first byte of a new frame, return None: that is "
                  "the clean end of the stream, not an error")
HINT_CLOSED = ("raise ConnectionError when recv() returns b'' in the middle of a frame (header or "
               "body): the frame can never be completed")
HINT_SIZE_FIRST = ("compare the length with max_size as soon as you have the header, and raise "
                   "ValueError before reading (or waiting for) the body")
HINT_UNSIGNED = ("the length is unsigned: unpack it with '!I' (a capital I), not '!i', which reads 0xFFFFFFFF "
                 "as -1, a length that no max_size check refuses")
HINT_EXACT = "a frame of exactly max_size bytes is allowed: raise ValueError only when the length is over max_size"
HINT_SHORT_HEADER_END = ("recv(4) returned fewer than 4 bytes and your reader took that for the end of the "
                         "stream: only b'' means the peer closed. Loop until you have all 4 header bytes")
HINT_COUNTS_HEADER = ("the body came back 4 bytes short: the length in the header counts the body's bytes "
                      "only, not the 4 header bytes. Read exactly length bytes after the header")
HINT_TWO_BYTES = ("the body came back shorter than its header says, by a multiple of 65 536: the length is "
                  "all 4 header bytes, struct.unpack('!I', header). '!H' reads 2 of them, and cuts a length "
                  "over 65 535")
HINT_CLOSED_NOT_VALUE = ("your reader raised ValueError after recv() returned b'' inside a frame: raise "
                         "ConnectionError there (the peer closed; the frame can never be completed). "
                         "ValueError is for a length over max_size")
HINT_LOOPS = ("recv(n) returns up to n bytes: loop until you have exactly 4 header bytes, then "
              "exactly as many body bytes as the header says")


def frame(body: bytes) -> bytes:
    return struct.pack("!I", len(body)) + body


class _Case(NamedTuple):
    what: str
    pieces: list[bytes]
    expected: list | type[Exception]  # what the calls return, or the error they must raise
    otherwise: str
    max_size: int = 1_000_000
    close: bool = True
    on_timeout: str = HINT_WANTED_MORE


def _collect(read_frame: Callable, calls: int, max_size: int, marks: list[int]):
    """A session's ``consume``: up to ``calls`` results of ``read_frame``, stopping after None.

    ``marks`` gets, for each result, how many bytes the reader had taken when
    that call returned: a call that returned a frame having taken bytes of the
    next one read ahead, and one that returned None inside a header took a
    short header for the end. Those counts, unlike timings, are the same on
    every run: the bench sends the next piece only once the reader took the last.
    """

    def consume(reader, _sender, items: list) -> None:
        for _ in range(calls):
            result = read_frame(reader, max_size)
            items.append(result)
            marks.append(reader.taken)
            if result is None:
                return

    return consume


def _little_endian(n: int) -> int:
    """The length a reader gets from ``struct.pack('!I', n)`` when it unpacks little-endian."""
    return int.from_bytes(struct.pack("!I", n), "little")


def _starts(case: _Case) -> list[int]:
    """Where each expected frame begins in the stream the case sends."""
    starts, offset = [], 0
    for body in case.expected if isinstance(case.expected, list) else []:
        starts.append(offset)
        offset += 4 + len(body) if isinstance(body, bytes) else 0
    return starts


def _arrived_whole(case: _Case, index: int) -> bool:
    """Frame ``index`` was sent in one piece, so it was all there for the reader's first recv()."""
    starts = _starts(case)
    body = case.expected[index] if isinstance(case.expected, list) else None
    if not isinstance(body, bytes):
        return False
    start, end, offset = starts[index], starts[index] + 4 + len(body), 0
    for piece in case.pieces[:-1]:
        offset += len(piece)
        if start < offset < end:
            return False
    return True


def _hints(case: _Case, marks: list[int]) -> list[Hint]:
    expected = case.expected if isinstance(case.expected, list) else []
    starts = _starts(case)

    def first_wrong(reading: Reading) -> int | None:
        """The index of the first result that differs from the expected one, if a result does."""
        for index, (got, body) in enumerate(zip(reading.items, expected)):
            if got != body:
                return index
        return None

    def wrong_body(reading: Reading) -> tuple[bytes, bytes, int] | None:
        """(what it returned, the body sent, its index) for the first wrong result, when both are bytes."""
        index = first_wrong(reading)
        if index is None:
            return None
        got, body = reading.items[index], expected[index]
        if isinstance(got, (bytes, bytearray)) and isinstance(body, bytes):
            return bytes(got), body, index
        return None

    def short_header_end(reading: Reading) -> bool:
        """It returned None, the clean end, having taken 1 to 3 bytes of a frame's header."""
        index = first_wrong(reading)
        return (index is not None and index < len(marks) and reading.items[index] is None
                and isinstance(expected[index], bytes) and 0 < marks[index] - starts[index] < 4)

    def counted_header(reading: Reading) -> bool:
        """A body came back without its last 4 bytes (length - 4 were read), not cut by the pieces.

        Either the frame arrived whole (a missing loop would have returned all
        of it), or the body is so short that length - 4 is nothing (a recv()
        returns at least one byte).
        """
        wrong = wrong_body(reading)
        if wrong is None or wrong[0] != wrong[1][: max(0, len(wrong[1]) - 4)]:
            return False
        return len(wrong[1]) <= 4 or _arrived_whole(case, wrong[2])

    def two_byte_length(reading: Reading) -> bool:
        """A body over 65 535 bytes came back as long as the low 2 bytes of its length say."""
        wrong = wrong_body(reading)
        return (wrong is not None and len(wrong[1]) > 0xFFFF
                and len(wrong[0]) == len(wrong[1]) & 0xFFFF and wrong[1].startswith(wrong[0]))

    def read_ahead(reading: Reading) -> bool:
        """A call returned its frame right, having taken bytes of the next one."""
        return any(got == body and isinstance(body, bytes) and taken > start + 4 + len(body)
                   for got, body, taken, start in zip(reading.items, expected, marks, starts))

    def right_so_far(reading: Reading) -> bool:
        return reading.items == expected[: len(reading.items)]

    def refused(reading: Reading) -> bytes | None:
        """The body of the frame it refused with ValueError, after handing over the ones before right."""
        if not reading.raised(ValueError) or not right_so_far(reading) or len(reading.items) >= len(expected):
            return None
        body = expected[len(reading.items)]
        return body if isinstance(body, bytes) else None

    def refused_exact(reading: Reading) -> bool:
        body = refused(reading)
        return body is not None and len(body) == case.max_size

    def refused_byte_order(reading: Reading) -> bool:
        body = refused(reading)
        return body is not None and len(body) <= case.max_size < _little_endian(len(body))

    def with_header(reading: Reading) -> bool:
        return any(isinstance(b, bytes) and got == frame(b) for got, b in zip(reading.items, expected))

    def as_str(reading: Reading) -> bool:
        return any(isinstance(got, str) for got in reading.items)

    def none_for_empty(reading: Reading) -> bool:
        return any(got is None and b == b"" for got, b in zip(reading.items, expected))

    def short_body(reading: Reading) -> bool:
        return any(isinstance(got, (bytes, bytearray)) and isinstance(b, bytes) and len(got) < len(b)
                   and b.startswith(got) for got, b in zip(reading.items, expected))

    def lost_bytes(reading: Reading) -> bool:
        """Something went wrong after it took more bytes than the frames it returned hold."""
        frames = [got for got in reading.items if isinstance(got, (bytes, bytearray))]
        return not right_so_far(reading) and reading.taken > sum(4 + len(f) for f in frames)

    def error_at_clean_end(reading: Reading) -> bool:
        return (reading.error is not None and not reading.raised(ValueError) and bool(expected)
                and expected[-1] is None and reading.items == expected[:-1])

    hints = [
        Hint(lambda reading: reading.spinning, HINT_SPIN),
        Hint(hung, HINT_STUCK),
        Hint(raised(struct.error), HINT_HEADER),
        Hint(as_str, HINT_STR),
        Hint(with_header, HINT_WITH_HEADER),
    ]
    if case.expected is ValueError:
        hints.append(Hint(lambda reading: case.otherwise == HINT_UNSIGNED and b"" in reading.items, HINT_UNSIGNED))
        hints.append(Hint(raised(TimeoutError), case.on_timeout))
    elif case.expected is ConnectionError:  # no length here is over max_size: a refusal misread one
        hints.append(Hint(lambda reading: reading.raised(ValueError) and reading.empty_reads > 0,
                          HINT_CLOSED_NOT_VALUE))   # it saw the close (b''), then raised the wrong error
        hints.append(Hint(raised(ValueError), HINT_BYTE_ORDER))
    else:
        hints += [
            Hint(refused_exact, HINT_EXACT),
            Hint(refused_byte_order, HINT_BYTE_ORDER),
            Hint(error_at_clean_end, HINT_CLEAN_END),
            Hint(none_for_empty, HINT_EMPTY),
            Hint(short_header_end, HINT_SHORT_HEADER_END),
            Hint(two_byte_length, HINT_TWO_BYTES),
            Hint(counted_header, HINT_COUNTS_HEADER),
            Hint(short_body, HINT_BODY),
            Hint(lost_bytes, HINT_TOO_MUCH),
            Hint(read_ahead, HINT_TOO_MUCH),
            Hint(raised(ConnectionError, EOFError, TimeoutError), case.on_timeout),
        ]
    return [*hints, Hint(always, case.otherwise)]


def _cases() -> list[_Case]:
    frames = [b"hi", "héllo".encode(), b"", b"x" * 300]
    stream = b"".join(frame(f) for f in frames)
    two = frame(b"hello") + frame("héllo".encode())
    cuts = list(range(1, len(two)))
    body = bytes(range(256)) * 1200  # 307 200 bytes: more than one recv() returns
    return [
        _Case("one frame in one piece, then the end: [b'hello', None]",
              [frame(b"hello")], [b"hello", None], HINT_LOOPS),
        _Case(f"four frames in one piece ({len(stream)} bytes), one per call",
              [stream], frames + [None], HINT_TOO_MUCH),
        _Case("an empty frame is b'', not None: [b'', b'x', None]",
              [frame(b""), frame(b"x")], [b"", b"x", None], HINT_EMPTY),
        _Case("one byte per recv(), the header too",
              [stream[i : i + 1] for i in range(len(stream))], frames + [None], HINT_LOOPS),
        _Case(f"cut in two at every offset ({len(cuts)} cuts)",
              [p for i in cuts for p in (two[:i], two[i:])],
              [b"hello", "héllo".encode()] * len(cuts) + [None], HINT_LOOPS),
        _Case(f"a frame of {len(body):,} bytes arrives whole".replace(",", " "),
              [frame(body)], [body, None], HINT_BODY),
        _Case("a frame of exactly max_size bytes is fine (max_size=300: b'hello', then 300 bytes)",
              [frame(b"hello") + frame(b"y" * 300)], [b"hello", b"y" * 300, None], HINT_EXACT,
              max_size=300),
        _Case("the peer closes inside a header: ConnectionError",
              [frame(b"ok") + b"\x00\x00"], ConnectionError, HINT_CLOSED),
        _Case("the peer closes inside a body: ConnectionError",
              [struct.pack("!I", 10) + b"abc"], ConnectionError, HINT_CLOSED),
        _Case("a declared length over max_size raises ValueError before the body (2 000 000 > 1000)",
              [struct.pack("!I", 2_000_000) + b"x" * 100], ValueError, HINT_SIZE_FIRST,
              max_size=1000, close=False, on_timeout=HINT_SIZE_FIRST),
        _Case("the largest length, 0xFFFFFFFF (4 294 967 295 > 1000), raises ValueError too",
              [b"\xff\xff\xff\xff"], ValueError, HINT_UNSIGNED,
              max_size=1000, close=False, on_timeout=HINT_SIZE_FIRST),
    ]


def _shown(items: list) -> str:
    """Results as a short list; a long body by its size."""
    return short([f"<{len(x)} bytes>" if isinstance(x, (bytes, bytearray)) and len(x) > 40 else x
                  for x in items])


@guarded("read_frame")   # the kit's own version of read_frame is refused (sockutil/exercise_guard.py)
def check_read_frame(read_frame: Callable) -> Report:
    """Check ``read_frame(sock, max_size=1_000_000)``: one length-prefixed frame per call, or None."""
    report = Report("read_frame")
    if report.unwritten(read_frame):
        return report
    with ReaderBench() as bench, Watch(bench.reader_timeout):
        stuck = False
        for case in _cases():
            if stuck:  # one wait teaches what the next would: do not make the student wait again
                report.skip(case.what)
                continue
            calls = len(case.expected) if isinstance(case.expected, list) else 2
            marks: list[int] = []
            reading = bench.session(_collect(read_frame, calls, case.max_size, marks), case.pieces,
                                    close=case.close)
            _judge(report, case, reading, marks)
            stuck = reading.hung or report.stopped
    return report.finish()


def _judge(report: Report, case: _Case, reading: Reading, marks: list[int]) -> bool:
    if reading.raised(NotImplementedError):
        return report.case(case.what, reading, function="read_frame")
    if isinstance(case.expected, list):
        ok = reading.ok and reading.items == case.expected
    else:
        ok = (reading.raised(case.expected) and not reading.hung
              and not reading.raised(TimeoutError, UnicodeError))
    if ok:
        return report.check(True, case.what)
    if reading.ok and not isinstance(case.expected, list):
        shown = f"no error; the calls returned {_shown(reading.items)}"
    else:
        shown = describe_reading(reading, "the calls returned", _shown)
    return report.check(False, f"{case.what}: {shown}", pick_hint(reading, _hints(case, marks)))

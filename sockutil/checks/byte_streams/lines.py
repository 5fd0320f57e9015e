"""The check of notebook 06's line reader: ``read_lines(sock, bufsize=4096, max_line=1000)``.

Why these cases: a line reader that assumes "one ``recv`` is one line"
passes on loopback whenever a short text is sent in one piece. So the check
cuts the stream on purpose (see ``reader_bench``): one byte at a time, at
every offset, at random (seeded), inside a multi-byte UTF-8 character, with
every ``recv`` size from 1 to 4096. It also sends what a careless or hostile
peer sends: a last line without its newline, lines of exactly ``max_line``
bytes and one byte more, a line that never ends, a pause until ``recv`` times out.

Hints are chosen by what the reader did, in this order: kept calling
``recv`` after ``b""``, carried on after a ``TimeoutError``, raised
StopIteration, decoded as ASCII or failed to decode, yielded bytes, kept the
newline or handed over glued lines, waited for bytes that were not coming (the
case says which), refused a line it should take, dropped or added a last line,
dropped empty lines, cut lines in pieces, lost lines. Then a case's own default.
"""

from __future__ import annotations

import random
import socket
from itertools import islice
from typing import Callable, NamedTuple

from ...exercise_guard import guarded
from .. import Hint, Report, Watch, always, hung, pick_hint, raised, short
from ..reader_bench import ReaderBench, Reading, describe_reading, random_cuts

__all__ = ["LINE_TEXT", "SWEEP_TEXT", "check_read_lines", "example_chunkings"]

#: The short text most cases send: 1-, 2-, 3- and 4-byte UTF-8 characters
#: ("ü" is 2 bytes, "€" and "✓" are 3, "🙂" is 4).
LINE_TEXT = "Grüße, Zoë!\n€ 5 ✓\n🙂 ok\n"

#: The largest ``recv`` size the sweep tries, from the exercise's promise.
MAX_BUFSIZE = 4096

#: Seconds the reader's socket waits in the pause case: nothing is sent until
#: its recv() gives up, so any value works; a short one keeps the check fast.
PAUSE_TIMEOUT = 0.1


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
        "random cuts": random_cuts(data, seed=1, largest=8),
    }


# ------------------------------------------------------------------- hints
HINT_SPIN = ("your reader kept calling recv() after it returned b'': once the peer has closed, "
             "recv() returns b'' every time. Stop reading when you get it")
HINT_STUCK = ("it was still running when stopped: make sure every loop ends, and that the reader "
              "returns once recv() has returned b''")
HINT_UTF8 = ("decode whole lines, not single recv() results: a character of 2 to 4 bytes can be "
             "cut in two. b'\\n' never occurs inside a UTF-8 character, so split at b'\\n' first, "
             "then decode")
HINT_BYTES = "yield str, not bytes: decode each line with .decode('utf-8')"
HINT_NEWLINE = "yield each line without its b'\\n' (line.rstrip would also eat spaces: split at b'\\n')"
HINT_GLUED = ("one recv() can return several lines: split the buffer at every b'\\n' and hand over "
              "every complete line before you call recv() again")
HINT_CUT = ("a recv() can end anywhere, even in the middle of a line: keep the unfinished "
            "part in a buffer of bytes and add the next recv() to it")
HINT_END = ("when recv() returns b'', the peer has closed: yield what is left in your buffer "
            "as the last line, if anything is left")
HINT_NO_EMPTY_LAST = ("when recv() returns b'' and your buffer is empty, there is no last line: "
                      "yield the rest only if something is left")
HINT_NOW = ("yield each line as soon as its b'\\n' has arrived; do not wait for more data or for "
            "the end of the stream: in a conversation the peer waits for your answer")
HINT_LONG = ("after every recv(), check the buffer: once it holds more than max_line bytes "
             "without a b'\\n', raise ValueError. A broken or hostile peer may never send one")
HINT_EXACT = ("a line of exactly max_line bytes is allowed: raise ValueError only when a line "
              "(without its b'\\n'), or what waits without one, is longer than max_line bytes")
HINT_OVER = ("a line longer than max_line bytes must raise ValueError, also when its b'\\n' came in "
             "the same recv(): check the length of every line you split off, not only what waits")
HINT_ASCII = ("decode with UTF-8, not ASCII: ASCII knows only the bytes 0 to 127, and 'ü', '€' or '🙂' "
              "are 2 to 4 bytes over 127. Use line.decode('utf-8')")
HINT_STOP_ITERATION = ("end the generator with return, not raise StopIteration: inside a generator, "
                       "Python turns StopIteration into RuntimeError (PEP 479)")
HINT_EMPTY_LINE = ("your reader dropped the empty lines: b'\\n' right after b'\\n' ends an empty line, "
                   "and an empty line is a line: yield ''")
HINT_PAUSE = ("recv() raised TimeoutError and your reader carried on: a timeout means nothing came for a "
              "while, not that a line is complete. Let the TimeoutError propagate, and never hand over "
              "part of a line")
HINT_BYTE_COUNT = ("max_line counts bytes, not characters: compare len(line) of the bytes, "
                   "before decoding")


def _strs(reading: Reading) -> list[str]:
    return [item for item in reading.items if isinstance(item, str)]


def _undecodable(reading: Reading) -> bool:
    return reading.raised(UnicodeDecodeError) or any("\ufffd" in item for item in _strs(reading))


def _ascii(reading: Reading) -> bool:
    error = reading.error
    return isinstance(error, UnicodeDecodeError) and error.encoding.lower().replace("-", "") in {"ascii", "usascii"}


def _stop_iteration(reading: Reading) -> bool:
    """The generator raised StopIteration, which Python turned into RuntimeError."""
    return reading.raised(RuntimeError) and isinstance(reading.error.__cause__, StopIteration)


def _yields_bytes(reading: Reading) -> bool:
    return bool(reading.items) and all(isinstance(item, (bytes, bytearray)) for item in reading.items)


def _keeps_newline(reading: Reading) -> bool:
    return any(item.endswith(("\n", "\r")) and "\n" not in item[:-1] for item in _strs(reading))


def _glued(reading: Reading) -> bool:
    return any("\n" in item.rstrip("\n") for item in _strs(reading))


def _refused(reading: Reading) -> bool:
    return reading.raised(ValueError) and not reading.raised(UnicodeError)


def _hints(case: _Case) -> list[Hint]:
    expected = case.expected or []

    def dropped_last(reading: Reading) -> bool:
        return bool(expected) and reading.items == expected[:-1]

    def extra_empty(reading: Reading) -> bool:
        return reading.items == [*expected, ""]

    def skipped_empty(reading: Reading) -> bool:
        return "" in expected and reading.items == [line for line in expected if line]

    def pieces_of_lines(reading: Reading) -> bool:
        got = _strs(reading)
        return len(got) > len(expected) and "".join(got) == "".join(expected)

    def lost_lines(reading: Reading) -> bool:
        got = _strs(reading)
        return 0 < len(got) < len(expected) and all(line in expected for line in got)

    shared = [
        Hint(lambda reading: reading.spinning, HINT_SPIN),
        Hint(lambda reading: reading.swallowed_timeout, HINT_PAUSE),
        Hint(hung, HINT_STUCK),
        Hint(_stop_iteration, HINT_STOP_ITERATION),
        Hint(_ascii, HINT_ASCII),
        Hint(_undecodable, HINT_UTF8),
        Hint(_yields_bytes, HINT_BYTES),
        Hint(_keeps_newline, HINT_NEWLINE),
        Hint(_glued, HINT_GLUED),
        Hint(raised(TimeoutError), case.on_timeout),
    ]
    if case.expected is None:  # ValueError expected: what a line-producing reader got wrong
        return [*shared, *case.extra, Hint(always, case.otherwise)]
    return [
        *shared,
        Hint(_refused, HINT_EXACT),
        Hint(dropped_last, HINT_END),
        Hint(extra_empty, HINT_NO_EMPTY_LAST),
        Hint(skipped_empty, HINT_EMPTY_LINE),
        Hint(pieces_of_lines, HINT_CUT),
        Hint(lost_lines, HINT_GLUED),
        *case.extra,
        Hint(always, case.otherwise),
    ]


# ------------------------------------------------------------------- cases
class _Case(NamedTuple):
    what: str
    run: Callable[[Callable, ReaderBench], Reading]
    expected: list[str] | None  # None: the reader must raise ValueError
    otherwise: str  # the hint when no cause above is recognised
    on_timeout: str = HINT_NOW  # the reader waited for bytes that were not coming
    extra: tuple[Hint, ...] = ()
    name: str = ""
    error: type[Exception] | None = None  # the reader must raise it after yielding ``expected``


def _collect(read_lines: Callable, bufsize: int = 4096, max_line: int = 1000):
    """A session's ``consume``: everything ``read_lines`` yields, in order."""

    def consume(reader, _sender, items: list) -> None:
        for line in read_lines(reader, bufsize, max_line):
            items.append(line)

    return consume


def _rounds(read_lines: Callable, bench: ReaderBench, rounds: list[list[bytes]], text: str,
            describe: Callable[[int], str]) -> Reading:
    """Send ``text`` once per round, each round cut its own way, on one connection.

    The reading is boiled down to one round, so it can be judged against the
    lines of ``text``: the first wrong round (named in ``note``), or a right one.
    """
    expected = _lines_of(text)
    per = len(expected)
    reading = bench.session(_collect(read_lines), [piece for round_ in rounds for piece in round_])
    if reading.hung:
        return reading
    got = reading.items
    for index in range(len(rounds)):
        mine = got[index * per : (index + 1) * per]
        if mine != expected:
            reading.note, reading.items = describe(index), mine
            return reading
    if len(got) > per * len(rounds) and reading.error is None:
        reading.note, reading.items = "(after the last round)", got[per * len(rounds) :]
        return reading
    reading.items = expected
    return reading


def _sweep(read_lines: Callable, bench: ReaderBench) -> Reading:
    """Every ``bufsize`` from 1 to 4096 on one connection, a fresh generator for each."""
    sweep_bytes, sweep_lines = SWEEP_TEXT.encode(), _lines_of(SWEEP_TEXT)
    tried = [0]

    def consume(reader, sender, items: list) -> None:
        for size in range(1, MAX_BUFSIZE + 1):
            tried[0] = size
            sender.sendall(sweep_bytes)
            got = list(islice(iter(read_lines(reader, size, 1000)), len(sweep_lines)))
            if got != sweep_lines:
                items.extend(got)
                return
        items.extend(sweep_lines)

    reading = bench.session(consume, close=False, deadline=4 * bench.deadline)
    if reading.items != sweep_lines:
        reading.note = f"(first wrong with bufsize={tried[0]})"
    return reading


def _cases(over_passed: list[bool]) -> list[_Case]:
    data = LINE_TEXT.encode()
    expected = _lines_of(LINE_TEXT)
    k = _inside_umlaut()
    sweep_bytes = SWEEP_TEXT.encode()
    sweep_lines = _lines_of(SWEEP_TEXT)

    def session(pieces, bufsize=4096, max_line=1000, close=True):
        return lambda read_lines, bench: bench.session(
            _collect(read_lines, bufsize, max_line), pieces, close=close)

    def every_offset(read_lines, bench):
        rounds = [[data[:i], data[i:]] for i in range(1, len(data))]
        return _rounds(read_lines, bench, rounds, LINE_TEXT,
                       lambda i: f"(first wrong at the cut after byte {i + 1}: "
                                 f"{short(data[:i + 1][-6:], 20)} | {short(data[i + 1:][:6], 20)})")

    def random_rounds(read_lines, bench):
        rounds = [random_cuts(sweep_bytes, seed) for seed in range(1, 6)]
        return _rounds(read_lines, bench, rounds, SWEEP_TEXT,
                       lambda i: f"(first wrong in round {i + 1}, random.Random({i + 1}))")

    def conversation(read_lines, bench):
        def consume(reader, sender, items: list) -> None:
            lines = iter(read_lines(reader, 4096, 1000))
            sender.sendall(b"first\n")
            items.append(next(lines))
            sender.sendall(b"second\n")
            items.append(next(lines))
            sender.shutdown(socket.SHUT_WR)  # the end of the stream
            items.extend(lines)

        return bench.session(consume, close=False)

    def pause(read_lines, bench):
        def consume(reader, sender, items: list) -> None:
            lines = iter(read_lines(reader, 4096, 1000))
            sender.sendall(b"first\nhal")
            items.append(next(lines))
            reader.settimeout(PAUSE_TIMEOUT)   # the stream now pauses for longer than recv() waits
            items.append(next(lines))          # a right reader raises TimeoutError here
            sender.sendall(b"f line\n")
            sender.shutdown(socket.SHUT_WR)
            items.extend(lines)

        return bench.session(consume, close=False)

    exact = b"0123456789\n\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\n"  # 10 digits, 'ééééé': 10 bytes each
    byte_count_hint = Hint(lambda reading: not over_passed[0], HINT_OVER)
    return [
        _Case("two lines in one piece: ['hello', 'world']",
              session([b"hello\nworld\n"]), ["hello", "world"], HINT_GLUED),
        _Case(f"'ü' cut in two: {data[:k]!r} then {data[k:k + 6]!r}...",
              session([data[:k], data[k:]]), expected, HINT_UTF8),
        _Case(f"one byte per recv() ({len(data)} bytes)",
              session([data[i : i + 1] for i in range(len(data))]), expected, HINT_CUT),
        _Case(f"cut in two at every offset ({len(data) - 1} cuts)", every_offset, expected, HINT_CUT),
        _Case(f"recv(bufsize) for every bufsize from 1 to {MAX_BUFSIZE} ({len(sweep_bytes)} bytes each)",
              _sweep, sweep_lines, HINT_CUT),
        _Case(f"random cuts (5 rounds of {len(sweep_bytes)} bytes, seeded)",
              random_rounds, sweep_lines, HINT_CUT),
        _Case("a last line without b'\\n' is still a line: ['first', 'last words']",
              session([b"first\nlast words"]), ["first", "last words"], HINT_END),
        _Case("empty lines are lines: ['a', '', 'b']", session([b"a\n\nb\n"]), ["a", "", "b"],
              "b'\\n' right after b'\\n' ends an empty line: yield ''"),
        _Case("spaces and a b'\\r' inside a line are the line's: [' indented ', 'a\\rb']",
              session([b" indented \na\rb\n"]), [" indented ", "a\rb"],
              "a line is every byte up to its b'\\n': do not strip it, and do not split it at b'\\r' "
              "(str.splitlines() and bytes.splitlines() do)"),
        _Case("a stream that ends at once has no lines: []", session([]), [], HINT_NO_EMPTY_LAST),
        _Case("each line is handed over as soon as it is complete", conversation,
              ["first", "second"], HINT_NOW),
        _Case("lines of exactly max_line bytes are fine (max_line=10, '0123456789' and 'ééééé', "
              "one byte per recv)", session([exact[i : i + 1] for i in range(len(exact))], max_line=10),
              ["0123456789", "ééééé"], HINT_EXACT),
        _Case("a line of max_line + 1 bytes raises ValueError ('0123456789X', max_line=10)",
              session([b"0123456789X\n"], max_line=10), None, HINT_OVER,
              on_timeout=HINT_OVER, name="over"),
        _Case("max_line counts bytes: 'éééééx' is 6 characters but 11 bytes (max_line=10)",
              session(["éééééx\n".encode()], max_line=10), None, HINT_BYTE_COUNT,
              on_timeout=HINT_BYTE_COUNT, extra=(byte_count_hint,)),
        _Case("a line that never ends raises ValueError (5000 bytes, no b'\\n', max_line=1000)",
              session([b"x" * 5000], close=False), None, HINT_LONG, on_timeout=HINT_LONG),
        _Case("a pause ends no line: b'first\\nhal', then nothing until recv() times out: "
              "['first'], then TimeoutError", pause, ["first"], HINT_PAUSE,
              on_timeout=HINT_PAUSE, error=TimeoutError),
    ]


# ------------------------------------------------------------------- check
@guarded("read_lines")   # the kit's own version of read_lines is refused (sockutil/exercise_guard.py)
def check_read_lines(read_lines: Callable) -> Report:
    """Check ``read_lines(sock, bufsize=4096, max_line=1000)``, a generator of str lines.

    The reader must hand over each line (without its b"\\n", decoded from
    UTF-8) as soon as it is complete, whatever the cuts in the stream; hand
    over a last line that lacks its newline; and raise ``ValueError`` once a
    line passes ``max_line`` bytes.
    """
    report = Report("read_lines")
    if report.unwritten(read_lines):
        return report
    over_passed = [True]  # did the reader refuse 11 ASCII bytes? (tells the byte-count case's cause)
    with ReaderBench() as bench, Watch(bench.reader_timeout):
        stuck = False
        for case in _cases(over_passed):
            if stuck:  # one wait teaches what the next would: do not make the student wait again
                report.skip(case.what)
                continue
            reading = case.run(read_lines, bench)
            ok = _judge(report, case, reading)
            if case.name == "over":
                over_passed[0] = ok
            stuck = reading.hung or report.stopped
    return report.finish()


def _judge(report: Report, case: _Case, reading: Reading) -> bool:
    if reading.raised(NotImplementedError):
        return report.case(case.what, reading, function="read_lines")
    if case.expected is None:
        ok = _refused(reading) and not reading.hung
    elif case.error is not None:
        ok = reading.raised(case.error) and not reading.hung and reading.items == case.expected
    else:
        ok = reading.ok and reading.items == case.expected
    if ok:
        return report.check(True, case.what)
    where = f"{reading.note} " if reading.note else ""
    if case.expected is None and reading.ok:
        shown = f"no error; yielded {short(reading.items)}"
    else:
        shown = describe_reading(reading)
    return report.check(False, f"{case.what}: {where}{shown}", pick_hint(reading, _hints(case)))

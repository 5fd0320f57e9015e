"""Self-check for notebook 10, C and Python side by side: ``greet()`` in C, greeting each client by its number.

The student's work is C, handed over the Python way: ``write_greet_c(path)``
writes their ``greet.c`` to ``path``. The check gives it a folder of its own,
compiles the file with the flags the notebook uses, beside a small server of
the check's own (``greet_sources.DRIVER_C``: it greets a client for each of
1, 2, 10 and the largest ``unsigned long`` with the student's ``greet()``,
its ``send()`` cut short where the linker allows, and then exits), and reads
each greeting from Python.

Why a server of its own and not the notebook's: the check must not depend on
what else the student changed in the notebook, and its server must end by
itself after its last client, so that everything the program printed (a
``printf`` meant for the socket) is flushed and can be seen.

The mistakes it tells apart are C's, found by cause, from the bytes that
arrived and from how the program ended:

* a compile error or a warning, in the compiler's own words (``-Wall
  -Wextra``: a ``%d`` for an ``unsigned long`` is a warning, and a real bug);
* ``sizeof`` of a pointer (8 bytes arrive), the whole buffer sent (the text,
  then NUL bytes), the string's terminating NUL sent with it;
* no newline at the end; ``printf`` to standard output instead of the socket;
* the number ignored, counted from 0, counted by greet() itself, or printed
  with a signed or narrower format; a buffer too small for 20 digits;
* one ``send()`` where ``send_all()`` was needed; a ``\r`` before the newline;
* a crash (killed by a signal: not the check's own SIGTERM), a ``greet()``
  that never returns, one that returned -1 or a byte count, or one that
  closed the server's socket.
"""

from __future__ import annotations

import re
import signal
import struct
import tempfile
from pathlib import Path
from typing import Callable

from ..clients import connect, recv_until_closed
from ..cprograms import (
    SKIPPED,
    BackgroundProgram,
    Build,
    ProgramError,
    compile_c,
    exit_words,
    find_compiler,
    start_program,
)
from .greet_sources import DRIVER_C, GREET_H, NUMBERS, ORIGINAL_GREET_C, SHORT_SEND
from .harness import Hint, Outcome, Report, always, attempt

__all__ = ["DRIVER_C", "GREET_H", "ORIGINAL_GREET_C", "check_greet", "expected_greeting"]

#: The flags the notebook compiles with: the C standard, and the warnings a C programmer keeps on.
FLAGS = ("-std=c11", "-Wall", "-Wextra")

#: Seconds one client may wait for its whole greeting. The server greets at
#: once on loopback; a greeting still not ended by then will not end.
CLIENT_TIMEOUT = 2.0

#: Seconds ``write_greet_c`` may take: it writes one small file.
WRITE_TIMEOUT = 5.0

#: Most bytes a greeting may have before the check stops reading: a line is short.
MAX_GREETING = 4096

#: The size of a pointer on this machine (8 on a 64-bit one): ``sizeof`` of a pointer sends this many.
POINTER_SIZE = struct.calcsize("P")


def expected_greeting(number: int) -> bytes:
    """What client ``number`` must receive."""
    return f"hello from C, client {number}\n".encode()


def _same_text(a: str, b: str) -> bool:
    """Equal but for white space: a student who only re-indented has not changed the program."""
    return a.split() == b.split()


def _greeting(port: int) -> bytes:
    """Connect as a client, read until the server ends the greeting, close (the kit's calls, with timeouts)."""
    with connect(port, timeout=CLIENT_TIMEOUT) as sock:
        return recv_until_closed(sock, max_bytes=MAX_GREETING)


def _number(value: object) -> int | None:
    match = re.search(rb"client (-?\d+)", value) if isinstance(value, bytes) else None
    return int(match.group(1)) if match else None


def _hints(index: int, outcomes: list[Outcome], program: BackgroundProgram, short_sends: bool) -> list[Hint]:
    """Hints for client ``index`` (from 0), greeted as ``NUMBERS[index]``, by what arrived and what the server said."""
    number = NUMBERS[index]
    expected = expected_greeting(number)

    def got(outcome: Outcome) -> bytes | None:
        if isinstance(outcome.value, bytes):
            return outcome.value
        partial = getattr(outcome.error, "partial", None)
        return partial if isinstance(partial, bytes) else None

    def crashed(outcome: Outcome) -> bool:
        """Killed by a signal of its own doing (SIGSEGV, SIGABRT...), not by the check's stop (SIGTERM, SIGKILL)."""
        code = program.returncode
        return code is not None and code < 0 and -code not in (signal.SIGTERM, signal.SIGKILL)

    def printed_instead(outcome: Outcome) -> bool:
        return got(outcome) == b"" and "hello from C" in program.output

    def greet_failed(outcome: Outcome) -> bool:
        return f"returned -1 for client {number}\n" in program.errors

    def cut_short(outcome: Outcome) -> bool:
        value = got(outcome)
        return short_sends and value is not None and 0 < len(value) < len(expected) and expected.startswith(value)

    def extra(outcome: Outcome) -> bytes | None:
        value = got(outcome)
        if value is None or not value.startswith(expected) or value == expected:
            return None
        return value[len(expected):]

    def pointer_sized(outcome: Outcome) -> bool:
        """As many bytes of the greeting as a pointer has: sizeof(line) of a char *line."""
        value = got(outcome)
        return value is not None and len(value) == POINTER_SIZE and expected.startswith(value)

    def same_number(outcome: Outcome) -> bool:
        numbers = {_number(o.value) for o in outcomes}
        return len(outcomes) > 1 and len(numbers) == 1 and None not in numbers

    extra_size = len(extra(outcomes[index]) or b"")
    same = _number(outcomes[0].value)
    told = _number(outcomes[index].value)
    return [
        Hint(crashed,
             f"the server was {exit_words(program.returncode)} while it greeted: greet() used memory "
             "it does not own (a pointer that points nowhere, or a buffer too small for the text)"),
        Hint(printed_instead,
             "the greeting went to the program's standard output: printf() writes there, not to the "
             "socket. Format the line into a buffer with snprintf(), then send it with "
             "send_all(fd, line, length)"),
        Hint(greet_failed,
             f"greet() returned -1 for client {number}: is the buffer big enough for every number an "
             "unsigned long holds (20 digits)? Otherwise return what send_all() returns, 0 once every "
             "byte has gone"),
        Hint(lambda o: o.hung or o.raised(TimeoutError),
             f"the client waited {CLIENT_TIMEOUT:g} s for the end of the greeting, which comes when greet() "
             "returns: greet() must send the line and then return"),
        Hint(lambda o: extra(o) == b"\0",
             "a NUL byte, '\\0', came after the newline: it ends a C string in memory but is not part "
             "of the text. Send strlen(line) bytes (or what snprintf() returns), not one more"),
        Hint(lambda o: extra(o) is not None,
             f"{extra_size} bytes came after the newline: you sent the whole buffer (sizeof line) "
             "instead of the text in it. Send only as many bytes as snprintf() wrote: its return value"),
        Hint(pointer_sized,
             f"only {POINTER_SIZE} bytes arrived, the size of a pointer on this machine: sizeof of a "
             "pointer is the pointer's size, not the length of the text it points to. Send strlen(line) "
             "bytes, or what snprintf() returns"),
        Hint(lambda o: got(o) == expected[:-1] + b"\r\n",
             "a carriage return, '\\r', came before the newline: end the line with '\\n' alone"),
        Hint(lambda o: got(o) == expected[:-1],
             "end the greeting with a newline, '\\n': a client that reads a line waits for it (and if your "
             "format has one, send all the bytes snprintf() counted: its return value leaves out the '\\0' "
             "already)"),
        Hint(cut_short,
             f"only the first {len(got(outcomes[index]) or b'')} bytes arrived: send() may take fewer bytes "
             f"than it is given (the check's send() takes at most {SHORT_SEND} per call, as a real one may). "
             "Send with send_all(), which calls send() until every byte has gone"),
        Hint(lambda o: got(o) == b"",
             "nothing arrived: greet() must send the line on the socket it is given, "
             "with send_all(fd, line, length)"),
        Hint(same_number,
             f"every client got the same number ({same}): print the number greet() is given, its "
             "parameter number, which the server counts up for each client"),
        Hint(lambda o: told == number - 1,
             f"greet(fd, {number}) greeted client {told}: the server counts from 1 and passes "
             "the count to greet(); print number as it is"),
        Hint(lambda o: told is not None and told != number and number > 2 ** 31,
             f"greet(fd, {number}) greeted client {told}: an unsigned long is printed with %lu, "
             "not %ld or %d (nor cast to int)"),
        Hint(lambda o: told is not None and told != number,
             f"greet(fd, {number}) greeted client {told}: print the number greet() is given, not a count "
             "of your own"),
        Hint(always,
             f"the greeting must be exactly {expected!r}: the words, the number greet() is given, "
             "a newline, and nothing after it"),
    ]


def _compile_hint(build: Build) -> str:
    if build.timed_out or build.missing:
        return build.explain()
    errors = build.errors or build.diagnostics
    if not errors:
        return "the compiler failed: " + build.explain()
    more = len(build.errors) - 1
    return (f"the compiler says: {errors[0].words()}" + (f" (and {more} more)" if more > 0 else "")
            + ". Fix the first error first: later ones often follow from it")


def _warning_hint(build: Build) -> str:
    if not build.warnings:
        return ""
    first = build.warnings[0]
    hint = f"the compiler warns: {first.words()}"
    if "format" in first.message and ("long unsigned int" in first.message or "unsigned long" in first.message):
        hint += ". An unsigned long is printed with %lu"
    return hint + ". A warning points at a real mistake: fix it"


def check_greet(write_greet_c: Callable[[Path], object]) -> Report:
    """Check ``write_greet_c(path)`` from notebook 10: the greet.c it writes greets each client by its number."""
    report = Report("greet")
    if report.unwritten(write_greet_c):
        return report
    compiler = find_compiler()
    if compiler is None:
        print(f"{SKIPPED}: this check compiles your greet.c, so it cannot run here")
        if report.grading:
            raise AssertionError("greet: no C compiler here, so the check could not run")
        return report
    with tempfile.TemporaryDirectory(prefix="sockutil-check-greet-") as scratch:
        folder = Path(scratch)
        target = folder / "greet.c"
        written = attempt(write_greet_c, target, deadline=WRITE_TIMEOUT, name="write_greet_c")
        if written.raised(NotImplementedError):
            report.stop_unwritten("greet")
            return report
        if not written.ok:
            report.check(False, f"write_greet_c(path) {written.describe()}",
                         "write_greet_c(path) should write your C source to path: path.write_text(...)")
            return report.finish()
        if not target.is_file():
            report.check(False, "write_greet_c(path) wrote no file at path",
                         "write the file at the path the check gives you, path.write_text(...), "
                         "not at a path of your own")
            return report.finish()
        if _same_text(target.read_text(errors="replace"), ORIGINAL_GREET_C):
            report.stop_unwritten("greet")  # the notebook's greet.c, unchanged: one line, no ticks
            return report
        (folder / "greet.h").write_text(GREET_H)
        (folder / "driver.c").write_text(DRIVER_C)
        # With send() cut short where the linker can wrap it (GNU ld, lld); else, or if that build
        # fails, the plain build, whose errors and warnings are then the student's to read.
        short = compile_c([compiler, *FLAGS, f"-DSHORT_SENDS={SHORT_SEND}", "-Wl,--wrap=send", "-o",
                           "driver", "driver.c", "greet.c"], cwd=folder)
        build = short if short.ok else compile_c([compiler, *FLAGS, "-o", "driver", "driver.c", "greet.c"],
                                                 cwd=folder)
        cases = [f"greet(fd, {n}) sends {expected_greeting(n)!r}" for n in NUMBERS]
        if not report.check(build.ok, "greet.c compiles", _compile_hint(build)):
            for what in ["greet.c compiles without warnings (-Wall -Wextra)", *cases]:
                report.skip(what, "it does not compile")
            return report.finish()
        report.check(not build.warnings, "greet.c compiles without warnings (-Wall -Wextra)",
                     _warning_hint(build))
        try:
            program = start_program([folder / "driver"], name="check-greet", cwd=folder)
        except ProgramError as error:
            report.check(False, "the server with your greet() starts", str(error))
            return report.finish()
        outcomes: list[Outcome] = []
        with program:
            for _ in NUMBERS:
                outcome = attempt(_greeting, program.port, deadline=CLIENT_TIMEOUT + 1, name="greet-client")
                outcomes.append(outcome)
                if not outcome.ok:  # the server is stuck or gone: the next client would learn nothing new
                    break
        for index, outcome in enumerate(outcomes):
            _judge(report, cases[index], index, outcome, outcomes, program, short.ok)
        for what in cases[len(outcomes):]:
            report.skip(what)
    return report.finish()


def _judge(report: Report, what: str, index: int, outcome: Outcome, outcomes: list[Outcome],
           program: BackgroundProgram, short_sends: bool) -> None:
    """One client's verdict: the bytes it got, then what the server saw greet() do with its socket."""
    number = NUMBERS[index]
    returned = re.search(rf"greet\(\) returned (-?\d+) for client {number}\n", program.errors)
    closed = f"greet() closed the socket of client {number}\n" in program.errors
    if outcome.ok and outcome.value == expected_greeting(number) and (closed or returned):
        if closed:
            report.check(False, f"{what}, but greet() closed the socket",
                         "leave the socket open: the server shuts it down and closes it after greet() "
                         "returns; greet() only sends")
        else:
            report.check(False, f"{what}, but greet() returned {returned.group(1)}",
                         "return 0 once every byte has gone (what send_all() returns), not the number of "
                         "bytes sent: the server reads any other value as a failure")
        return
    report.case(what, outcome, expected_greeting(number), _hints(index, outcomes, program, short_sends))

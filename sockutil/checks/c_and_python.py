"""Self-check for notebook 10, C and Python side by side: ``greet()`` in C, greeting each client by its number.

The student's work is C, handed over the Python way: ``write_greet_c(path)``
writes their ``greet.c`` to ``path``. The check gives it a folder of its own,
compiles the file with the flags the notebook uses, beside a small server of
the check's own (``DRIVER_C``: it greets three clients in turn with the
student's ``greet()`` and then exits), and reads each greeting from Python.

Why a server of its own and not the notebook's: the check must not depend on
what else the student changed in the notebook, and its server must end by
itself after three clients, so that everything the program printed (a
``printf`` meant for the socket) is flushed and can be seen.

The mistakes it tells apart are C's, found by cause, from the bytes that
arrived and from how the program ended:

* a compile error or a warning, in the compiler's own words (``-Wall
  -Wextra``: a ``%d`` for an ``unsigned long`` is a warning, and a real bug);
* ``sizeof`` of a pointer (8 bytes arrive), the whole buffer sent (the text,
  then NUL bytes), the string's terminating NUL sent with it;
* no newline at the end; ``printf`` to standard output instead of the socket;
* the number ignored, or counted from 0;
* a crash (killed by a signal: not the check's own SIGTERM), a ``greet()``
  that never returns, or one that returned -1.
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
from .harness import Hint, Outcome, Report, always, attempt

__all__ = ["DRIVER_C", "GREET_H", "ORIGINAL_GREET_C", "check_greet", "expected_greeting"]

#: Clients the check's server greets, one after the other: enough to see the numbers count up.
CLIENTS = 3

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

#: greet.h as the notebook writes it: what the server and greet.c share.
GREET_H = r"""/* greet.h: what server.c and greet.c share. */
#ifndef GREET_H
#define GREET_H

#include <stddef.h>

/* Send all len bytes of buf on socket fd, however many send() calls that
   takes. Returns 0, or -1 after printing why. (In server.c.) */
int send_all(int fd, const char *buf, size_t len);

/* Greet the number-th client since the server started, counting from 1.
   Returns 0, or -1 if the greeting could not be sent. (In greet.c.) */
int greet(int fd, unsigned long number);

#endif
"""

#: greet.c as the notebook first writes it (and as the exercise's cell starts): to be changed.
ORIGINAL_GREET_C = r"""/* greet.c: the first line every client gets. */
#include <string.h>

#include "greet.h"

int greet(int fd, unsigned long number)
{
    (void)number;                        /* not used yet */
    const char *line = "hello from C\n";
    return send_all(fd, line, strlen(line));
}
"""

#: The check's own server: greets CLIENTS clients in turn with the student's greet(), then exits.
DRIVER_C = r"""/* The self-check's server: greet() from your greet.c, for each client in turn. */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "greet.h"

#define CLIENTS %(clients)d

int send_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t sent = send(fd, buf, len, 0);
        if (sent == -1) {
            if (errno == EINTR)
                continue;
            perror("send");
            return -1;
        }
        buf += sent;
        len -= (size_t)sent;
    }
    return 0;
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    if (listener == -1) {
        perror("socket");
        return 1;
    }
    struct sockaddr_in address;
    memset(&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof address;
    if (bind(listener, (struct sockaddr *)&address, sizeof address) == -1
            || listen(listener, CLIENTS) == -1
            || getsockname(listener, (struct sockaddr *)&address, &length) == -1) {
        perror("bind, listen or getsockname");
        return 1;
    }
    printf("port %%u\n", (unsigned)ntohs(address.sin_port));
    fflush(stdout);
    for (unsigned long number = 1; number <= CLIENTS; number++) {
        int fd = accept(listener, NULL, NULL);
        if (fd == -1) {
            perror("accept");
            return 1;
        }
        int status = greet(fd, number);
        if (status != 0)
            fprintf(stderr, "greet() returned %%d for client %%lu\n", status, number);
        shutdown(fd, SHUT_WR);           /* the end of the greeting */
        char buf[256];
        while (recv(fd, buf, sizeof buf, 0) > 0)
            ;                            /* until the client closes */
        close(fd);
    }
    close(listener);
    return 0;
}
""" % {"clients": CLIENTS}


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
    match = re.search(rb"client (\d+)", value) if isinstance(value, bytes) else None
    return int(match.group(1)) if match else None


def _hints(number: int, outcomes: list[Outcome], program: BackgroundProgram) -> list[Hint]:
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
        return f"for client {number}\n" in program.errors

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

    extra_size = len(extra(outcomes[number - 1]) or b"")
    same = _number(outcomes[0].value)
    told = _number(outcomes[number - 1].value)
    return [
        Hint(crashed,
             f"the server was {exit_words(program.returncode)} while it greeted: greet() used memory "
             "it does not own (a pointer that points nowhere, or a buffer too small for the text)"),
        Hint(printed_instead,
             "the greeting went to the program's standard output: printf() writes there, not to the "
             "socket. Format the line into a buffer with snprintf(), then send it with "
             "send_all(fd, line, length)"),
        Hint(greet_failed,
             "greet() returned -1 (or another non-zero value) for this client: return what send_all() "
             "returns, 0 once every byte has gone"),
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
        Hint(lambda o: got(o) == expected[:-1],
             "end the greeting with a newline, '\\n': a client that reads a line waits for it"),
        Hint(lambda o: got(o) == b"",
             "nothing arrived: greet() must send the line on the socket it is given, "
             "with send_all(fd, line, length)"),
        Hint(same_number,
             f"every client got the same number ({same}): print the number greet() is given, its "
             "parameter number, which the server counts up for each client"),
        Hint(lambda o: told == number - 1,
             f"client {number} was greeted as client {told}: the server counts from 1 and passes "
             "the count to greet(); print number as it is"),
        Hint(lambda o: told is not None and told != number,
             f"client {number} was greeted as client {told}: print the number greet() is given"),
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
        build = compile_c([compiler, *FLAGS, "-o", "driver", "driver.c", "greet.c"], cwd=folder)
        cases = [f"client {n} is greeted with {expected_greeting(n)!r}" for n in range(1, CLIENTS + 1)]
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
            for _ in range(CLIENTS):
                outcome = attempt(_greeting, program.port, deadline=CLIENT_TIMEOUT + 1, name="greet-client")
                outcomes.append(outcome)
                if not outcome.ok:  # the server is stuck or gone: the next client would learn nothing new
                    break
        for number, outcome in enumerate(outcomes, 1):
            report.case(cases[number - 1], outcome, expected_greeting(number),
                        _hints(number, outcomes, program))
        for what in cases[len(outcomes):]:
            report.skip(what)
    return report.finish()

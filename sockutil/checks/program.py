"""A student's compiled program (C, or any language) in place of a Python function, for the checks.

Why: the checks of the client and server exercises (02, 05, 08, the lab 09)
already talk to the student's code over real sockets. A course taught in C can
use the very same cases, and the same hints by cause, if the check can start
the student's program instead of calling a function. This module does that
part once, for every such check:

* ``Program(["./ask"])`` names the program. It stands where the Python
  function would: ``check_ask(Program(["./ask"]))``.
* **The convention** (one rule for every exercise): the program gets the
  Python function's arguments, in the same order, as command-line arguments,
  with a socket replaced by its port number. ``ask(port, question)`` is
  ``./ask PORT QUESTION``; ``drain(sock)`` is ``./drain PORT`` (connect to that
  port); ``serve_upper(listener, stop)`` is ``./serve_upper PORT`` (bind
  127.0.0.1:PORT and listen); ``serve_kv(listener, stop, idle_timeout)`` is
  ``./serve_kv PORT IDLE_TIMEOUT``. The port is also in the environment, as
  ``SOCKUTIL_PORT``. What the function returns, the program writes to its
  standard output; an error is a non-zero exit status, with its words on
  standard error. ``stop`` is SIGTERM, whose default action ends a C program.
* **A client** runs to its end: ``Program.run``, bounded by a timeout.
* **A server** is started with a free port (``Program.start``), and the check
  waits, bounded, until the program (or a process it started) listens on it:
  the kernel's table of its sockets says so (``psutil``), so no probe
  connection is needed, which would count as a client.
* **Stopped on every path**: each program runs in a session of its own, so
  SIGTERM, then SIGKILL, reaches everything it started; it is always reaped
  (no zombie), on an exception, on the stop button's ``KeyboardInterrupt``,
  and at the interpreter's exit (``atexit``) for anything still running.
* **Plain words**: a program that cannot be found, crashes (a signal), exits
  with a non-zero status, never listens, or does not finish in time raises a
  ``ProgramFailed`` whose message says so, with the last line it wrote to
  standard error. ``attempt`` records it like any exception, the case line
  shows it, and ``program_hints`` gives the hint. ``ProgramHung`` is a
  ``TimeoutError``, so a check's own hints for waiting (one recv too many, a
  close never sent) apply to a program as they do to a function.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Callable, Sequence

import psutil

from ..cprograms.running import AFTER_TERMINATE, exit_words, kill_group, run_in_session
from ..names import LOOPBACK
from .harness import Hint, Outcome

__all__ = [
    "ENV_PORT", "READY_TIMEOUT", "Program", "ProgramCrashed", "ProgramExited", "ProgramFailed", "ProgramHung",
    "ProgramNeverListened", "ProgramNotFound", "RunningProgram", "free_port", "program_hints",
]

#: The environment variable that also carries the port, for programs that prefer it to argv.
ENV_PORT = "SOCKUTIL_PORT"

#: Seconds a server program gets to listen: starting a compiled program takes
#: milliseconds, an interpreter a fraction of a second; one that has not
#: listened by then is not going to.
READY_TIMEOUT = 5.0

#: Seconds between two looks at whether a starting server listens yet
#: (each look waits on the process, so one that dies ends the wait at once).
LOOK_EVERY = 0.01

#: The most of a program's standard error a message quotes: its last line is what it died saying.
SAID = 120


# ------------------------------------------------------------------ errors
class ProgramFailed(Exception):
    """The student's program did not do its part; the message says what happened, in words."""


class ProgramNotFound(ProgramFailed):
    """There is no such program, or it is not executable."""


class ProgramCrashed(ProgramFailed):
    """The program was killed by a signal it did not expect (SIGSEGV, SIGABRT, SIGPIPE...)."""


class ProgramExited(ProgramFailed):
    """The program ended with a non-zero exit status, or ended when it should have kept serving."""


class ProgramNeverListened(ProgramFailed):
    """A server program was still running but not listening on its port when time was up."""


class ProgramHung(ProgramFailed, TimeoutError):
    """The program did not finish in time: a ``TimeoutError``, so a check's waiting hints apply."""


def program_hints(error_of: Callable[[Outcome], BaseException | None] = lambda o: o.error) -> list[Hint]:
    """Hints for a program that failed as a program; put them first in a case's hints.

    ``error_of`` finds the failure: by default the outcome's own error; a
    server check also looks at its server's (a program that died between cases).
    A hang is left to the check's own hints: they know what it waited for.
    """
    def failed(kind: type[ProgramFailed]) -> Callable[[Outcome], bool]:
        return lambda outcome: isinstance(error_of(outcome), kind)

    return [
        Hint(failed(ProgramNotFound), "compile your program first, and give its path (e.g. ./ask): the kit "
                                      "found nothing it could run there"),
        Hint(failed(ProgramCrashed), "your program crashed: run it by hand with the same arguments (or "
                                     "under gdb or valgrind) to see where; SIGSEGV is a bad pointer or "
                                     "index, SIGPIPE a send() to a peer that has closed"),
        Hint(failed(ProgramNeverListened), "bind 127.0.0.1 to the port given as the first argument "
                                           "(atoi(argv[1])), then listen() before anything else"),
        Hint(failed(ProgramExited), "your program ended with an error: read what it printed to stderr "
                                    "(perror), and exit with status 0 once it has done its job"),
    ]


def free_port() -> int:
    """A port free on 127.0.0.1 right now (bind port 0, read it, close).

    Another process could take it before the program binds it: then the
    program's bind fails and says so. A program cannot be handed a bound
    socket the way a Python function is, since it makes its own.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def _last_words(stderr: bytes) -> str:
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    if not lines:
        return ""
    said = lines[-1] if len(lines[-1]) <= SAID else lines[-1][: SAID - 3] + "..."
    return f"; it said: {said}"


def _ended(name: str, returncode: int, stderr: bytes, when: str = "") -> ProgramFailed:
    """The error for a program that ended with ``returncode`` (negative: a signal), ``when`` it did."""
    status = exit_words(returncode)
    if returncode < 0:
        return ProgramCrashed(f"{name} was {status}{when}{_last_words(stderr)}")
    return ProgramExited(f"{name} ended with {status}{when}{_last_words(stderr)}")


# ----------------------------------------------------------------- programs
class Program:
    """A student's program, by its command: a path, or a list (``["java", "Ask"]``, ``["./ask"]``).

    A bare name without a slash is looked for next to ``cwd`` first (``ask``
    means ``./ask`` when that file exists), because that is where a student
    compiled it; otherwise on ``PATH``, as the shell would.
    """

    def __init__(self, command: str | os.PathLike | Sequence[str | os.PathLike], *,
                 cwd: str | os.PathLike | None = None, env: dict[str, str] | None = None,
                 ready_timeout: float = READY_TIMEOUT) -> None:
        parts = [command] if isinstance(command, (str, os.PathLike)) else list(command)
        if not parts:
            raise ValueError("Program needs a command: the path of the compiled program, e.g. Program('./ask')")
        self.cwd = cwd
        self.env = dict(env or {})
        self.ready_timeout = ready_timeout  # a slow starter (a JVM) may want more
        first = os.fspath(parts[0])
        local = Path(cwd or ".") / first
        if os.sep not in first and local.is_file():
            first = str(local.resolve())
        self.command = [first, *(os.fspath(part) for part in parts[1:])]
        self.name = Path(first).name

    def __repr__(self) -> str:
        return f"Program({self.command!r})"

    def argv(self, port: int, inputs: Sequence[object] = ()) -> list[str]:
        """The command line: the command, the port, then the function's other arguments."""
        return [*self.command, str(port), *(str(value) for value in inputs)]

    def environment(self, port: int) -> dict[str, str]:
        return {**os.environ, **self.env, ENV_PORT: str(port)}

    def run(self, port: int, *inputs: object, timeout: float) -> bytes:
        """Run it as a client of ``port`` to its end; return what it wrote to standard output.

        Raises ``ProgramFailed`` (in words) if it cannot start, crashes, exits
        non-zero, or is still running after ``timeout`` seconds (then it is
        killed, with everything it started).
        """
        try:
            done = run_in_session(self.argv(port, inputs), cwd=self.cwd, env=self.environment(port),
                                  timeout=timeout)
        except (FileNotFoundError, PermissionError, NotADirectoryError) as error:
            why = "not an executable program" if isinstance(error, PermissionError) else "no such program"
            raise ProgramNotFound(f"could not start {self.command[0]}: {why}") from None
        if done.timed_out:
            raise ProgramHung(f"{self.name} was still running after {timeout:g} s, and was stopped")
        if done.returncode != 0:
            raise _ended(self.name, done.returncode, done.stderr)
        return done.stdout

    def client(self, timeout: float, decode: bool = False) -> Callable[..., bytes | str]:
        """The program as a client function ``f(port, *inputs)``: what it printed (text with ``decode``).

        With ``decode``, one final newline is dropped: the program prints a
        line, the function returned the text before it.
        """
        def call(port: int, *inputs: object) -> bytes | str:
            output = self.run(port, *inputs, timeout=timeout)
            if not decode:
                return output
            text = output.decode("utf-8", "replace")
            return text[:-1] if text.endswith("\n") else text

        call.__name__ = self.name
        return call

    def start(self, *inputs: object, port: int | None = None) -> RunningProgram:
        """Start it as a server on ``port`` (a free one by default); return once it listens.

        Raises ``ProgramFailed`` if it cannot start, ends, or does not listen
        within ``ready_timeout`` seconds; it is stopped before that raises.
        """
        running = RunningProgram(self, free_port() if port is None else port, inputs)
        try:
            running.wait_listening(self.ready_timeout)
        except BaseException:
            running.close()
            raise
        return running


_LIVE: set[RunningProgram] = set()
_LIVE_LOCK = threading.Lock()


@atexit.register
def _stop_all() -> None:
    """At the interpreter's exit (a kernel restart): no server program outlives the check."""
    with _LIVE_LOCK:
        live = list(_LIVE)
    for running in live:
        running.stop(0)


def _read_all(file: IO[bytes]) -> bytes:
    with contextlib.suppress(OSError, ValueError):
        file.seek(0)
        return file.read()
    return b""


class RunningProgram:
    """A server program started by ``Program.start``; stop it with ``stop()`` or a ``with`` block."""

    def __init__(self, program: Program, port: int, inputs: Sequence[object] = ()) -> None:
        self.program = program
        self.port = port
        self.returncode: int | None = None
        self._ended_by_itself = False
        self._stdout: IO[bytes] = tempfile.TemporaryFile()
        self._stderr: IO[bytes] = tempfile.TemporaryFile()
        self._lock = threading.Lock()
        try:
            self.process = subprocess.Popen(
                program.argv(port, inputs), cwd=program.cwd, env=program.environment(port),
                stdin=subprocess.DEVNULL, stdout=self._stdout, stderr=self._stderr,
                start_new_session=True)
        except (FileNotFoundError, PermissionError, NotADirectoryError) as error:
            self._stdout.close()
            self._stderr.close()
            why = "not an executable program" if isinstance(error, PermissionError) else "no such program"
            raise ProgramNotFound(f"could not start {program.command[0]}: {why}") from None
        with _LIVE_LOCK:
            _LIVE.add(self)

    @property
    def alive(self) -> bool:
        return self.returncode is None and self.process.poll() is None

    def wait(self, seconds: float) -> bool:
        """Wait up to ``seconds`` for it to end; True if it has."""
        try:
            self.process.wait(max(0.0, seconds))
        except subprocess.TimeoutExpired:
            return False
        return True

    def _processes(self) -> list[psutil.Process]:
        try:
            leader = psutil.Process(self.process.pid)
            return [leader, *leader.children(recursive=True)]
        except psutil.Error:
            return []

    def connections(self) -> list:
        """The TCP connections of the program and of every process it started (psutil's records)."""
        found = []
        for process in self._processes():
            with contextlib.suppress(psutil.Error):
                found.extend(process.net_connections(kind="tcp"))
        return found

    def listening(self) -> bool:
        """Does it (or a process it started) listen on its port now?"""
        return any(c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == self.port
                   for c in self.connections())

    def unclosed(self) -> int:
        """Connections whose peer has closed but the program has not (CLOSE_WAIT): sockets it never closed."""
        return sum(c.status == psutil.CONN_CLOSE_WAIT for c in self.connections())

    def wait_listening(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not self.listening():
            if self.wait(LOOK_EVERY):
                raise self.failure(" before it listened on its port")
            if time.monotonic() >= deadline:
                raise ProgramNeverListened(
                    f"{self.program.name} was not listening on port {self.port} after {timeout:g} s"
                    f"{_last_words(self.stderr())}")

    def stdout(self) -> bytes:
        """What it has written to standard output so far (a file, so it can never block the program)."""
        return _read_all(self._stdout)

    def stderr(self) -> bytes:
        return _read_all(self._stderr)

    def failure(self, when: str = "") -> ProgramFailed:
        """Why it is no longer running, as the error a check reports; ``when`` says when (" before ...")."""
        if self.alive:
            return ProgramHung(f"{self.program.name} is still running")
        code = self.process.returncode
        if code == 0:
            return ProgramExited(f"{self.program.name} ended (exit status 0){when}, while it should "
                                 f"have kept serving{_last_words(self.stderr())}")
        return _ended(self.program.name, code, self.stderr(), when)

    def stop(self, grace: float = AFTER_TERMINATE) -> bool:
        """SIGTERM to its whole group, ``grace`` seconds, then SIGKILL; always reaped. True if it ended by itself.

        Safe twice and from any thread; an interrupt while waiting kills it before it propagates.
        """
        with self._lock:
            if self.returncode is not None:
                return self._ended_by_itself
            ended = self.process.poll() is not None
            try:
                if not ended:
                    self._signal(signal.SIGTERM)
                    ended = self.wait(grace)
                if not ended:
                    kill_group(self.process)
                    self.process.wait()
            except BaseException:
                kill_group(self.process)
                self.process.wait()
                raise
            finally:
                self._signal(signal.SIGKILL)  # what it started, which may outlive it
                self.returncode = self.process.returncode
                self._ended_by_itself = ended
                with _LIVE_LOCK:
                    _LIVE.discard(self)
            return ended

    def _signal(self, number: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
            if hasattr(os, "killpg"):
                os.killpg(self.process.pid, number)
            elif number != getattr(signal, "SIGKILL", None):
                self.process.terminate()

    def close(self) -> None:
        """Stop it at once, and release its output files."""
        try:
            self.stop(0)
        finally:
            self._stdout.close()
            self._stderr.close()

    def __enter__(self) -> RunningProgram:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

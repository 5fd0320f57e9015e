"""A server program in the background: ready once it prints its port, stopped on every path.

Theory of operation
-------------------
``start_program`` runs a server in the background and hands it back once it
is ready: the kit's servers print ``port N`` as their first line (they bind
port 0 and the OS picks N), and that line is read with a deadline through a
selector on the pipe, never with a blocking ``readline``. A program that
ends, or stays silent past the deadline, is stopped and reported with what it
wrote to its standard error ("bind: Address already in use").

Stopping is the part that must never fail, so it has three steps, each
bounded: close the program's standard input (the kit's servers watch it and
end on their own, returning from ``main`` so their output is flushed; this
also happens if the Jupyter kernel dies, since the pipe closes with it), then
SIGTERM, then SIGKILL. ``stop()`` is idempotent and thread-safe: a second call,
from any thread, waits for the first and returns the same exit status. An
exception while waiting (an interrupt) still kills the program before it
propagates. The program's standard error goes to a temporary file rather
than a pipe, so a chatty program can never block on it; its standard output is
read to the end when it stops (a program that writes more than a pipe holds,
64 KiB on Linux, before it is stopped would block: the kit's do not).

Programs run in a session of their own, as in ``running``, so the stop
button's SIGINT to the kernel's process group does not kill them behind the
kit's back.

Re-running a cell must not leave the old server running: programs have
names, and ``start_program`` under a name whose program still runs stops it
first, holding one lock per name across find, stop, start and register (the
same check-then-act guard as the servers' registry). ``stop_all_programs()``
stops every one, and runs at exit.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import selectors
import subprocess
import tempfile
import threading
import time
from typing import IO, Sequence

from . import running
from .running import exit_words

__all__ = [
    "READY_TIMEOUT",
    "STOP_TIMEOUT",
    "BackgroundProgram",
    "ProgramError",
    "running_programs",
    "start_program",
    "stop_all_programs",
]

#: Seconds a background program has to print its first line ("port N"): it
#: binds and listens first, which takes microseconds; the rest is start-up.
READY_TIMEOUT = 5.0

#: Seconds a background program gets to end by itself once its standard input
#: closes. The kit's server ends at once when idle; serving a client, it
#: notices only when that client is done, so after this comes SIGTERM.
STOP_TIMEOUT = 2.0

#: The first line a kit server prints once it listens.
_PORT_LINE = re.compile(r"port (\d+)")


class ProgramError(RuntimeError):
    """A background program could not be started, or never became ready; the message says why."""


def _decode(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def _read_available(stream: IO[bytes], until: float) -> bytes:
    """Read ``stream`` until its end or the monotonic time ``until``, whichever comes first."""
    chunks = []
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        while (remaining := until - time.monotonic()) > 0:
            if not selector.select(remaining):
                continue
            chunk = os.read(stream.fileno(), 65536)
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


class BackgroundProgram:
    """A program running in the background, started by ``start_program``; stop it with ``stop()`` or ``with``.

    ``port`` is the port from its first line. After ``stop()``: ``returncode``,
    ``output`` (what it wrote to standard output after that line) and
    ``errors`` (its standard error).
    """

    def __init__(self, command: Sequence[str | os.PathLike], *, name: str,
                 cwd: str | os.PathLike | None, stop_timeout: float) -> None:
        self.command = tuple(os.fspath(part) for part in command)
        self.name = name
        self.cwd = cwd
        self.stop_timeout = stop_timeout
        self.port: int | None = None
        self.returncode: int | None = None
        self.output = ""
        self.errors = ""
        self._process: subprocess.Popen | None = None
        self._stderr: IO[bytes] | None = None
        self._early = b""  # bytes of standard output read past the first line
        self._lock = threading.Lock()
        self._stopped = False

    # -- starting
    def _start(self, ready_timeout: float) -> None:
        if os.name == "nt":
            raise ProgramError("background programs need POSIX pipes; on Windows they do not run here")
        self._stderr = tempfile.TemporaryFile()
        try:
            self._process = subprocess.Popen(
                self.command, cwd=self.cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=self._stderr, bufsize=0, start_new_session=True)
        except (FileNotFoundError, PermissionError) as error:
            self._stderr.close()
            self._stopped = True
            why = "no such program (compile it first)" if isinstance(error, FileNotFoundError) \
                else "not an executable program"
            raise ProgramError(f"could not start {self.command[0]}: {why}") from None
        try:
            line = self._first_line(ready_timeout)
        except BaseException:
            self.stop()
            raise
        match = _PORT_LINE.fullmatch(line.strip())
        if match is None:
            self.stop()
            raise ProgramError(f"{self.command[0]} printed {line!r} where the kit expects 'port N'")
        self.port = int(match.group(1))

    def _first_line(self, timeout: float) -> str:
        assert self._process is not None and self._process.stdout is not None
        stream = self._process.stdout
        received = b""
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            selector.register(stream, selectors.EVENT_READ)
            while b"\n" not in received:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self.stop()
                    raise ProgramError(
                        f"{self.command[0]} printed no first line within {timeout:g} s, and was stopped "
                        f"({exit_words(self.returncode)}){self._said()}")
                if not selector.select(remaining):
                    continue
                chunk = os.read(stream.fileno(), 4096)
                if not chunk:  # it closed its standard output: it has ended, or is ending
                    self.stop()
                    raise ProgramError(
                        f"{self.command[0]} ended ({exit_words(self.returncode)}) before it printed "
                        f"its port{self._said()}")
                received += chunk
        line, _, self._early = received.partition(b"\n")
        return _decode(line)

    def _said(self) -> str:
        said = " ".join(self.errors.split())
        return f"; it said: {said}" if said else ""

    # -- state
    @property
    def running(self) -> bool:
        process = self._process
        return process is not None and not self._stopped and process.poll() is None

    # -- stopping
    def stop(self) -> int | None:
        """Stop the program (standard input closed, then SIGTERM, then SIGKILL); return its exit status.

        Safe twice and from any thread: later calls wait for the first and return the same status.
        """
        with self._lock:
            if self._stopped:
                return self.returncode
            process = self._process
            try:
                if process is not None:
                    self._end(process)
            finally:
                self._stopped = True
                if process is not None:
                    self._collect(process)
                _forget(self)
        return self.returncode

    def _end(self, process: subprocess.Popen) -> None:
        try:
            if process.stdin is not None:
                with contextlib.suppress(OSError):
                    process.stdin.close()  # "stop": the kit's servers end when their input closes
            try:
                process.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                process.terminate()
                try:
                    process.wait(running.AFTER_TERMINATE)
                except subprocess.TimeoutExpired:
                    running.kill_group(process)
                    process.wait()
        except BaseException:  # an interrupt while waiting: the program must not outlive it
            running.kill_group(process)
            process.wait()
            raise

    def _collect(self, process: subprocess.Popen) -> None:
        """After the program ended: its status, the rest of its output, its errors; close every pipe."""
        self.returncode = process.returncode
        if process.stdout is not None:
            rest = b""
            if process.returncode is not None:  # it has ended: its output ends soon too
                rest = _read_available(process.stdout, time.monotonic() + running.AFTER_TERMINATE)
            self.output = _decode(self._early + rest)
            process.stdout.close()
        if self._stderr is not None:
            self._stderr.seek(0)
            self.errors = _decode(self._stderr.read())
            self._stderr.close()

    def __enter__(self) -> BackgroundProgram:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else exit_words(self.returncode) if self._stopped else "starting"
        return f"<BackgroundProgram {self.name!r}: {state}>"


# ------------------------------------------------------------------ the registry
# Kept across importlib.reload (which re-runs this code in the same globals),
# so that programs started before a reload are still found and stopped.
_guard: threading.Lock = globals().get("_guard") or threading.Lock()
_name_locks: dict[str, threading.RLock] = globals().get("_name_locks") or {}
_programs: dict[str, BackgroundProgram] = globals().get("_programs") or {}


def _claim(name: str) -> threading.RLock:
    with _guard:
        return _name_locks.setdefault(name, threading.RLock())


def _forget(program: BackgroundProgram) -> None:
    with _guard:
        if _programs.get(program.name) is program:
            del _programs[program.name]


def start_program(command: Sequence[str | os.PathLike], *, name: str = "c-server",
                  cwd: str | os.PathLike | None = None, ready_timeout: float = READY_TIMEOUT,
                  stop_timeout: float = STOP_TIMEOUT) -> BackgroundProgram:
    """Start a server program that prints ``port N`` first; return it once that line has come.

    A program still running under ``name`` (a cell run again) is stopped
    first. Raises ``ProgramError``, with the program's own words, if it cannot
    start, ends, or prints no such line within ``ready_timeout``; it is
    stopped then.
    """
    with _claim(name):
        with _guard:
            old = _programs.get(name)
        if old is not None:
            old.stop()
        program = BackgroundProgram(command, name=name, cwd=cwd, stop_timeout=stop_timeout)
        program._start(ready_timeout)
        with _guard:
            _programs[name] = program
    return program


def running_programs() -> list[BackgroundProgram]:
    """The background programs started here that are still running."""
    with _guard:
        programs = list(_programs.values())
    return [program for program in programs if program.running]


def stop_all_programs() -> None:
    """Stop every background program started here (also run at exit)."""
    with _guard:
        programs = list(_programs.values())
    for program in programs:
        program.stop()


if not globals().get("_atexit_registered"):
    atexit.register(stop_all_programs)
    _atexit_registered = True

"""Run a program to its end with a timeout, and stop it, and everything it started, when time is up.

Why not plain ``subprocess.run(timeout=...)``: on a timeout it kills the one
process it started, and a compiler is several (gcc runs cc1, as and collect2
as its children), as a student's C program may be. A child that outlives its
parent keeps running, and keeps the output pipes open. So every program here
runs in a session of its own (``setsid``, which also makes it the leader of a
new process group), and on a timeout, or on any exception while it runs (the
notebook's stop button), the whole group gets SIGKILL. Reading its last output
is then bounded too, in case a descendant left the group.

A session of its own has one more use: the stop button's SIGINT, which
Jupyter sends to the kernel's whole process group, does not reach the program
behind the kit's back. It is stopped by the kit, and the status reported is
the one the kit gave it.

``run_program`` returns a ``Ran`` that says what happened in words ("exit
status 1", "killed by signal SIGSEGV", "still running after 10 s: stopped")
instead of raising, because a C program that fails is a lesson, not a crash
of the cell.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from dataclasses import dataclass
from typing import Mapping, NamedTuple, Sequence

__all__ = ["AFTER_TERMINATE", "RUN_TIMEOUT", "Finished", "Ran", "exit_words", "run_in_session", "run_program"]

#: Seconds a program run to its end may take. The kit's client finishes a
#: loopback exchange in milliseconds; a stuck one is killed after this.
RUN_TIMEOUT = 10.0

#: Seconds given to a program after SIGTERM before SIGKILL, and for reading a
#: killed program's last output: one that ignores SIGTERM is not worth waiting for.
AFTER_TERMINATE = 1.0


def exit_words(returncode: int | None) -> str:
    """An exit status in words: "exit status 0", "killed by signal SIGSEGV", "still running"."""
    if returncode is None:
        return "still running"
    if returncode >= 0:
        return f"exit status {returncode}"
    try:
        name = signal.Signals(-returncode).name
    except ValueError:
        name = str(-returncode)
    return f"killed by signal {name}"


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL the process and everything in its process group (it leads one: ``start_new_session``)."""
    if hasattr(os, "killpg"):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
    process.kill()  # Windows, or a leader that left its group: at least the process itself


class Finished(NamedTuple):
    """What ``run_in_session`` saw: the status (None after a timeout), both outputs, and whether time ran out."""

    returncode: int | None
    stdout: bytes
    stderr: bytes
    timed_out: bool


def run_in_session(argv: Sequence[str], *, input: bytes | None = None, cwd: str | os.PathLike | None = None,
                   env: Mapping[str, str] | None = None, timeout: float) -> Finished:
    """Run ``argv`` in a session of its own to its end, or kill its whole group at ``timeout``.

    Raises ``FileNotFoundError`` or ``PermissionError`` if it cannot start.
    """
    process = subprocess.Popen(
        argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL if input is None else subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    with process:
        try:
            stdout, stderr = process.communicate(input, timeout=timeout)
            return Finished(process.returncode, stdout, stderr, False)
        except subprocess.TimeoutExpired:
            kill_group(process)
            stdout, stderr = _last_output(process)
            return Finished(None, stdout, stderr, True)
        except BaseException:  # an interrupt: nothing it started may outlive it
            kill_group(process)
            _last_output(process)
            raise


def _last_output(process: subprocess.Popen) -> tuple[bytes, bytes]:
    """After SIGKILL: what it wrote, read until its pipes close (bounded: a descendant may hold them)."""
    try:
        return process.communicate(timeout=AFTER_TERMINATE)
    except subprocess.TimeoutExpired as expired:
        process.wait()
        return expired.stdout or b"", expired.stderr or b""


def _decode(data: bytes | None) -> str:
    return (data or b"").decode("utf-8", errors="replace")


@dataclass(frozen=True)
class Ran:
    """What a program run to its end did: status, standard output (bytes) and standard error (text)."""

    command: tuple[str, ...]
    returncode: int | None
    stdout: bytes
    stderr: str
    timed_out: bool = False
    timeout: float = RUN_TIMEOUT
    not_started: str = ""  # why the program could not start at all

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out

    @property
    def status(self) -> str:
        """The outcome in words: "exit status 1", or why it did not run or did not end."""
        if self.not_started:
            return f"could not start {self.command[0]}: {self.not_started}"
        if self.timed_out:
            return f"still running after {self.timeout:g} s: stopped"
        return exit_words(self.returncode)


def run_program(command: Sequence[str | os.PathLike], *, input: bytes = b"",
                cwd: str | os.PathLike | None = None, timeout: float = RUN_TIMEOUT) -> Ran:
    """Run ``command`` with ``input`` on its standard input, to its end or ``timeout``; never raises for it."""
    argv = tuple(os.fspath(part) for part in command)
    try:
        done = run_in_session(argv, input=input, cwd=cwd, timeout=timeout)
    except FileNotFoundError:
        return Ran(argv, None, b"", "", timeout=timeout, not_started="no such program (compile it first)")
    except PermissionError:
        return Ran(argv, None, b"", "", timeout=timeout, not_started="not an executable program")
    return Ran(argv, done.returncode, done.stdout, _decode(done.stderr), done.timed_out, timeout)

"""One run of the student's one-shot server for ``check_serve_once`` (notebook 05): a function, or a program.

Why a module of its own: the check starts a fresh server for each case and
needs the same four things of it, whatever it is: the port it serves on, the
outcome once it ends, a bounded wait for that end, and a rescue that ends it
when it does not. A Python ``serve_once(announce)`` runs in a kit thread and
hands over its port through ``announce``; a program (``./serve_once PORT``, see
``program.py``) is given its port, counts as announced once it listens, and
its outcome is what it printed (exit status 0) or how it failed (a non-zero
status, which stands for the exception a function would raise).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import Any, Callable, NamedTuple

from ..names import LOOPBACK
from .harness import KIT_THREAD_PREFIX, Outcome, attempt
from .program import Program, ProgramFailed, RunningProgram
from .watch import Watch

__all__ = ["FunctionRun", "ListenerState", "ProgramRun", "THREAD_PREFIX", "listener_state", "start_run"]

#: Names of the threads that run the student's server, so tests can find stragglers.
THREAD_PREFIX = f"{KIT_THREAD_PREFIX}-check:serve_once"

#: Seconds a run waits for the port (a function's announce) and for the end after a rescue.
STEP_TIMEOUT = 2.0

ServeOnce = Callable[[Callable[[int], None]], bytes]


class FunctionRun:
    """One call of the student's ``serve_once`` in a kit thread; ``announce`` hands over the port.

    ``look(port)``, if given, runs inside the first ``announce``, before the
    check hears of the port, and what it returns is kept as ``at_announce``:
    the state of the student's socket at the moment the student said it was
    ready (listening yet? on which address?), which no client's timing changes.
    """

    def __init__(self, serve_once: ServeOnce, look: Callable[[int], Any] | None = None) -> None:
        self.port: int | None = None
        self.at_announce: Any = None
        self._look = look
        self.outcome = Outcome()
        self.done = threading.Event()
        self._news = threading.Event()  # set by announce() and by the end of the call
        self.thread = threading.Thread(target=self._target, args=(serve_once,), name=THREAD_PREFIX, daemon=True)
        self.thread.start()

    def _announce(self, port: int) -> None:
        if self.port is None:
            self.port = int(port)
            if self._look is not None:
                self.at_announce = self._look(self.port)
        self._news.set()

    def _target(self, serve_once: ServeOnce) -> None:
        try:
            self.outcome = attempt(serve_once, self._announce)
        finally:
            self.done.set()
            self._news.set()

    def wait_for_port(self) -> int | None:
        """The port the student announced, or None if the function ended (or stalled) first."""
        self._news.wait(STEP_TIMEOUT)
        return self.port

    def finish(self, timeout: float) -> bool:
        """Wait for the function to end; True if it did within ``timeout`` seconds."""
        return self.done.wait(timeout)

    def rescue(self, watch: Watch) -> None:
        """End a student's accept() or recv() that has no timeout, so no thread is left behind."""
        watch.wake()
        if self.port is not None and not self.done.is_set():
            with contextlib.suppress(OSError), \
                    socket.create_connection((LOOPBACK, self.port), timeout=0.5) as sock:
                sock.shutdown(socket.SHUT_WR)
        self.finish(STEP_TIMEOUT)


class ListenerState(NamedTuple):
    """The student's socket on the announced port, as it was when ``announce`` was called."""

    listening: bool
    host: str


def listener_state(watch: Watch, send_buffer: int | None = None) -> Callable[[int], ListenerState | None]:
    """A ``look`` for ``FunctionRun``: the student's TCP socket bound to the port (a listening one first).

    None where the watch knows no such socket (made by the kit, say) or the
    OS cannot say whether it listens (no ``SO_ACCEPTCONN``). With
    ``send_buffer``, a listening socket found gets that ``SO_SNDBUF``, which the
    connections it accepts inherit on Linux (see ``once_clients``).
    """
    def look(port: int) -> ListenerState | None:
        found: list[ListenerState] = []
        for sock in watch.sockets():
            try:
                address = sock.getsockname()
                if sock.type != socket.SOCK_STREAM or address[1] != port:
                    continue
                listening = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)
            except (OSError, AttributeError, IndexError, TypeError):  # closed, not IP, no SO_ACCEPTCONN
                continue
            if listening and send_buffer is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer)
            found.append(ListenerState(bool(listening), str(address[0])))
        return max(found, default=None, key=lambda state: state.listening)

    return look


class ProgramRun:
    """One run of ``./serve_once PORT``: announced once it listens; its output is what it returns.

    A kit thread starts it, waits (bounded by ``Program.ready_timeout``) until
    it listens, then waits for it to end; ``rescue`` kills it, so the thread
    always ends. The program is stopped and reaped on every path.
    """

    def __init__(self, program: Program) -> None:
        self.program = program
        self.port: int | None = None
        self.at_announce = None  # a program announces by listening: nothing to look at
        self.outcome = Outcome()
        self.done = threading.Event()
        self._news = threading.Event()
        self._running: RunningProgram | None = None
        self._lock = threading.Lock()
        self._rescued = False
        self.thread = threading.Thread(target=self._target, name=THREAD_PREFIX, daemon=True)
        self.thread.start()

    def _target(self) -> None:
        try:
            running = self.program.start()
        except ProgramFailed as error:
            self.outcome = Outcome(error=error)
            return self._end()
        with running:
            with self._lock:
                self._running = running
                rescued = self._rescued
            if rescued:
                return self._end()
            self.port = running.port
            self._news.set()
            running.process.wait()  # bounded: rescue() kills it
            if running.process.returncode == 0:
                self.outcome = Outcome(value=running.stdout())
            else:
                self.outcome = Outcome(error=running.failure())
        self._end()

    def _end(self) -> None:
        self.done.set()
        self._news.set()

    def wait_for_port(self) -> int | None:
        """The port, once the program listens; None if it ended (or did not listen) first."""
        self._news.wait(self.program.ready_timeout + STEP_TIMEOUT)
        return self.port

    def finish(self, timeout: float) -> bool:
        return self.done.wait(timeout)

    def rescue(self, watch: Watch) -> None:
        """Kill the program (and what it started), and wait for the thread to see it end."""
        with self._lock:
            self._rescued = True
            running = self._running
        if running is not None:
            running.stop(0)
        self.finish(self.program.ready_timeout + STEP_TIMEOUT)


def start_run(serve_once: ServeOnce | Program, look: Callable[[int], Any] | None = None) -> FunctionRun | ProgramRun:
    """A new run of the student's one-shot server, whichever kind it is (``look``: see ``FunctionRun``)."""
    return ProgramRun(serve_once) if isinstance(serve_once, Program) else FunctionRun(serve_once, look)

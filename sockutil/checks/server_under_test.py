"""Run a student's server function in the background, and judge how it stops.

Why: notebooks 08 and 09 have students write servers as functions
``serve(listener, stop)``: the caller binds and listens (so "Address already
in use" would appear in the caller's cell), the function accepts and serves
until the ``threading.Event`` ``stop`` is set, then returns. The caller closes
the listener afterwards. Both checks need the same machinery around such a
function, so it lives here, once:

* ``ServerUnderTest`` runs it in a kit thread (``sockutil-check:...``) on
  127.0.0.1 and a free port, records what it raised (never printed), and
  stops it with a bounded join. Exceptions escaping the *student's* threads
  are the business of the ``Watch`` the caller passes in, which records them
  in words instead of letting ``threading.excepthook`` print them.
* ``ServerUnderTest.stop`` judges the stop: did the function return within
  the grace, and did it close the connection of a client that was connected
  and silent at that moment? A ``Stopped`` outcome keeps what a hint needs
  to name the cause: the listener's timeout as the student left it, and the
  timeouts of the student's sockets still open.
* After the judgement, nothing is left behind: the student's sockets are shut
  down (which wakes a thread blocked in ``recv`` or ``accept``), its threads
  get a bounded join, and the listener is closed.

Every wait is bounded, so a wrong or unfinished server makes cases fail; it
cannot hang the kernel.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from ..names import LOOPBACK
from .harness import KIT_THREAD_PREFIX, Outcome, describe_error, forget_traceback, short
from .program import Program, ProgramFailed, RunningProgram
from .thread_states import wait_until_waiting
from .watch import Watch

__all__ = ["ProgramUnderTest", "Reply", "Serve", "ServerUnderTest", "Stopped", "closed_within", "describe_bytes",
           "reset", "under_test", "wait_for_threads"]

#: A server as the notebooks write it: serve ``listener`` until ``stop`` is set.
Serve = Callable[[socket.socket, threading.Event], None]

#: Seconds a server function gets, at the start, to raise at once (a stub
#: the source did not reveal) before any client connects.
START_GRACE = 0.05

#: Seconds the check still waits, after the stop was judged and the
#: student's sockets were shut down, for its threads to end.
CLEANUP_GRACE = 1.0

#: Seconds a failed case waits for a server that may be dying (see ``settle``).
SETTLE = 0.3

#: Backlog of the listener: room for every client a check connects at once.
BACKLOG = 64


@dataclass
class Reply(Outcome):
    """What one of the check's clients got from the student's server, and how it ended.

    ``value`` is the bytes received; ``ended`` says what stopped the reading:
    ``"complete"``, ``"closed"`` (end of stream), ``"reset"``, ``"timeout"``
    or ``"refused"``; ``words`` say it for a failed case.
    """

    ended: str = "complete"
    words: str = ""

    def describe(self) -> str:
        return self.words or super().describe()


@dataclass
class Stopped(Outcome):
    """How the student's server stopped. ``value`` is True when all went well."""

    returned: bool = False
    idle_closed: bool | None = None
    still_running: bool = False
    listener_timeout: float | None = None
    open_timeouts: list[float | None] = field(default_factory=list)
    words: str = ""
    program: bool = False  # the server was a program: its stop was SIGTERM
    unquiet: bool = False  # a client the server had not yet closed could have woken it after stop

    def describe(self) -> str:
        return self.words


def reset(sock: socket.socket) -> None:
    """Close with SO_LINGER 0, an abortive close: the kernel sends RST instead of FIN."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def wait_for_threads(threads: list[threading.Thread], seconds: float) -> None:
    """Join each of ``threads``, all within ``seconds`` in total."""
    deadline = time.monotonic() + seconds
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))


class ServerUnderTest:
    """Run ``serve(listener, stop)`` in a background thread; see the module's docstring.

    Use it as a context manager inside ``with Watch(...) as watch``; leaving
    the block stops the server if ``stop`` was not called, shuts down the
    student's sockets, joins the student's threads (bounded) and closes the
    listener.
    """

    def __init__(self, serve: Serve, watch: Watch, name: str = "server", stop_grace: float = 2.0,
                 function: str = "serve") -> None:
        self.serve = serve
        self.watch = watch
        self.name = name
        self.function = function
        self.stop_grace = stop_grace
        self.stop_event = threading.Event()
        self.error: BaseException | None = None
        self.stopped: Stopped | None = None
        self.listener: socket.socket | None = None
        self._port = 0
        self._thread: threading.Thread | None = None

    # -------------------------------------------------------------- running
    def __enter__(self) -> ServerUnderTest:
        # The interface promised to students: a blocking socket, bound and listening.
        self.listener = socket.create_server((LOOPBACK, 0), backlog=BACKLOG)
        self.listener.settimeout(None)
        self._port = self.listener.getsockname()[1]   # kept: the student's code may close the listener
        self._thread = threading.Thread(
            target=self._run, name=f"{KIT_THREAD_PREFIX}-check:{self.name}", daemon=True
        )
        self._thread.start()
        self._thread.join(START_GRACE)  # a stub that raises at once is caught before any client
        return self

    def _run(self) -> None:
        assert self.listener is not None
        try:
            self.serve(self.listener, self.stop_event)
        except BaseException as error:  # noqa: BLE001 - reported in words, never printed
            forget_traceback(error)
            self.error = error

    @property
    def port(self) -> int:
        return self._port

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def settle(self, seconds: float = SETTLE) -> None:
        """Give a server that may be dying a moment to end, so that what it raised is known.

        For failure paths only: a healthy server is still running after ``seconds``.
        """
        if self._thread is not None:
            self._thread.join(seconds)

    def wait_until_idle(self, seconds: float) -> bool | None:
        """Wait (at most ``seconds``) until the server's thread and the student's threads all wait.

        Before ``stop``: a loop still finishing its last client, or runnable
        but not yet scheduled on a loaded machine, would see the flag on its
        way back and pass however it waits (``thread_states``). True once all
        wait; False if they did not within ``seconds``; None where this
        system cannot tell (after a short pause).
        """
        assert self._thread is not None
        return wait_until_waiting([self._thread, *self.watch.student_threads()], time.monotonic() + seconds)

    def dead(self) -> Outcome:
        """The outcome of a case the server could not take part in: it raised, or returned early."""
        if self.error is not None:
            return Reply(error=self.error, ended="refused",
                         words=f"your server raised {describe_error(self.error)}")
        return Reply(ended="refused", words=f"{self.function}() returned before stop was set")

    # ------------------------------------------------------------- stopping
    def stop(self, idle: socket.socket | None = None) -> Stopped:
        """Set ``stop``; judge whether the function returned, and closed ``idle``, within the grace.

        ``idle`` is a client socket of the check's, connected and silent: the
        server must have closed its connection (end of stream or reset) by the
        time the grace is over.
        """
        if self.stopped is not None:
            return self.stopped
        assert self._thread is not None and self.listener is not None
        started = time.monotonic()
        self.stop_event.set()
        self._thread.join(self.stop_grace)
        returned = not self._thread.is_alive()
        idle_closed = None
        if idle is not None:
            idle_closed = closed_within(idle, max(0.05, started + self.stop_grace - time.monotonic()))
        seconds = time.monotonic() - started
        stopped = Stopped(
            returned=returned, idle_closed=idle_closed, seconds=seconds,
            listener_timeout=self.listener.gettimeout(),
            open_timeouts=[sock.gettimeout() for sock in self.watch.left_open()],
        )
        stopped.value = returned and idle_closed is not False
        if self.error is not None and returned:
            stopped.error = self.error
        self._clean_up()
        stopped.still_running = self.alive
        stopped.words = self._stop_words(stopped)
        self.stopped = stopped
        return stopped

    def _stop_words(self, stopped: Stopped) -> str:
        grace = f"{self.stop_grace:g} s"
        if stopped.error is not None:
            return f"{self.function}() raised {describe_error(stopped.error)} when it stopped"
        if not stopped.returned:
            where = ("it is still running in the background: restart the kernel (Kernel > Restart) "
                     "before you try again" if stopped.still_running else "it returned only later")
            return f"{self.function}() did not return within {grace}; {where}"
        return (f"{self.function}() returned, but the quiet client's connection was still open "
                f"{grace} after stop was set")

    def _clean_up(self) -> None:
        """Wake whatever the student's code still waits on, and give its threads a bounded join."""
        assert self._thread is not None and self.listener is not None
        self.stop_event.set()
        self.watch.wake()
        if self._thread.is_alive():
            # An accept() without a timeout: on Linux a shutdown wakes it; elsewhere one last
            # connection does, so that the loop can see the flag.
            with contextlib.suppress(OSError):
                self.listener.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                socket.create_connection((LOOPBACK, self.port), timeout=0.2).close()
        wait_for_threads([self._thread, *self.watch.student_threads()], CLEANUP_GRACE)

    def __exit__(self, *exc_info: object) -> None:
        try:
            if self.stopped is None:
                self.stop_event.set()
                if self._thread is not None:
                    self._thread.join(self.stop_grace)
                self._clean_up()
        finally:
            if self.listener is not None:
                self.listener.close()


def closed_within(sock: socket.socket, seconds: float) -> bool:
    """True if the peer closes (end of stream) or resets ``sock`` within ``seconds``."""
    deadline = time.monotonic() + seconds
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            sock.settimeout(left)
            if not sock.recv(65536):
                return True
    except TimeoutError:
        return False
    except OSError:  # reset, or shut down
        return True


def describe_bytes(got: bytes, expected_size: int) -> str:
    """Words for a reply: short ones shown, long ones counted."""
    if expected_size <= 100:
        return f"got {short(got)}"
    return f"{len(got):,} of {expected_size:,} bytes came back".replace(",", " ")


class ProgramUnderTest:
    """``ServerUnderTest``'s counterpart for a program (see ``program.py``): the same cases run against it.

    The program binds the port it is given (there is no listener of the kit's:
    ``listener`` is None); ``stop`` is SIGTERM to it, judged as a function's
    return is: did it end within the grace, and was the quiet client's
    connection closed. ``unclosed`` counts, just before the stop, the
    connections its clients had closed and it had not: sockets never closed.
    """

    listener = None

    def __init__(self, program: Program, name: str = "server", stop_grace: float = 2.0,
                 function: str = "serve", inputs: tuple = ()) -> None:
        self.program = program
        self.name = name
        self.function = function
        self.stop_grace = stop_grace
        self.inputs = inputs
        self.running: RunningProgram | None = None
        self.start_error: ProgramFailed | None = None
        self.stopped: Stopped | None = None
        self.unclosed = 0

    def __enter__(self) -> ProgramUnderTest:
        try:
            self.running = self.program.start(*self.inputs)
        except ProgramFailed as error:
            self.start_error = error
        return self

    @property
    def error(self) -> BaseException | None:
        """Why the program is not serving: it failed to start, or it has ended; None while it runs."""
        if self.start_error is not None:
            return self.start_error
        if self.running is not None and not self.running.alive and self.stopped is None:
            return self.running.failure()
        return None

    @property
    def port(self) -> int:
        """Its port; 0 if it never started (no case then talks to it: ``alive`` is False)."""
        return self.running.port if self.running is not None else 0

    @property
    def alive(self) -> bool:
        return self.running is not None and self.running.alive and self.stopped is None

    def settle(self, seconds: float = SETTLE) -> None:
        if self.running is not None:
            self.running.wait(seconds)

    def dead(self) -> Outcome:
        error = self.error or ProgramFailed(f"{self.program.name} is not running")
        return Reply(error=error, ended="refused", words=f"your program: {error}")

    def wait_until_idle(self, seconds: float) -> bool | None:
        """A program's threads are not ours to see, and its stop is SIGTERM, which ends it however it waits."""
        return None

    def stop(self, idle: socket.socket | None = None) -> Stopped:
        """SIGTERM (the program's ``stop``); judge whether it ended, and closed ``idle``, within the grace."""
        if self.stopped is not None:
            return self.stopped
        assert self.running is not None
        self.unclosed = self.running.unclosed()
        started = time.monotonic()
        returned = self.running.stop(self.stop_grace)
        idle_closed = None
        if idle is not None:
            idle_closed = closed_within(idle, max(0.05, started + self.stop_grace - time.monotonic()))
        stopped = Stopped(returned=returned, idle_closed=idle_closed, seconds=time.monotonic() - started,
                          listener_timeout=0.0, program=True)
        stopped.value = returned and idle_closed is not False
        stopped.words = (f"{self.program.name} ended when it got SIGTERM" if returned else
                         f"{self.program.name} was still running {self.stop_grace:g} s after SIGTERM, "
                         f"and was killed")
        if returned and idle_closed is False:
            stopped.words += ", but the quiet client's connection was still open"
        self.stopped = stopped
        return stopped

    def __exit__(self, *exc_info: object) -> None:
        if self.running is not None:
            self.running.close()


def under_test(serve: Callable | Program, watch: Watch, name: str, stop_grace: float, function: str,
               *inputs: object) -> ServerUnderTest | ProgramUnderTest:
    """The server to run the cases against: ``serve(listener, stop, *inputs)``, or a program given ``inputs``."""
    if isinstance(serve, Program):
        return ProgramUnderTest(serve, name, stop_grace, function, inputs)
    if not inputs:
        return ServerUnderTest(serve, watch, name, stop_grace, function)
    return ServerUnderTest(lambda listener, stop: serve(listener, stop, *inputs), watch, name, stop_grace,
                           function)

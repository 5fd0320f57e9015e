"""Self-checks for notebook 08, Many clients, and the harness its cells share.

Why: notebook 08 has students write servers as functions
``serve(listener, stop)``: the caller binds and listens (so "Address already
in use" would appear in the caller's cell), the function accepts and serves
until the ``threading.Event`` ``stop`` is set. This module runs such a
function the way a lesson needs it:

* ``ServerUnderTest`` runs it in a background thread, catches whatever it
  raises (and whatever escapes the threads it starts) so nothing reaches
  stderr, and stops it with a bounded join.
* ``time_clients`` is the race the notebook plots: one slow client that
  connects first and dawdles before it sends, and several fast clients right
  behind it. Each records when its whole reply arrived. The times go into
  plots; the notebook prints only relations between them ("the fast clients
  waited for the slow one: True"), which are the same on every run.
* ``check_serve_upper`` is the exercise's self-check.

Every wait here is bounded, so a wrong or unfinished server cannot hang the
kernel: it can only make a case fail.
"""

from __future__ import annotations

import math
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from ..names import LOOPBACK
from . import Report, default_timeout, describe_error

__all__ = ["Serve", "ServerUnderTest", "Race", "time_clients", "check_serve_upper"]

#: A server as the notebooks write it: serve ``listener`` until ``stop`` is set.
Serve = Callable[[socket.socket, threading.Event], None]

#: Seconds a server function may take to return after ``stop`` is set. The
#: notebook's servers look at the flag every 0.1 s; two seconds also covers a
#: worker thread that finishes a client first.
STOP_GRACE = 2.0


_describe = describe_error


class ServerUnderTest:
    """Run ``serve(listener, stop)`` in a background thread, on 127.0.0.1 and a free port.

    Use it as a context manager; leaving the block sets ``stop`` and joins the
    thread (at most ``STOP_GRACE`` seconds). While it runs:

    * ``error`` says what ``serve`` raised (``"NotImplementedError: ..."``),
      if it did;
    * ``thread_errors`` lists exceptions that escaped any other thread. They
      are caught by a temporary ``threading.excepthook``, because the default
      hook prints a traceback to stderr, where it would land in some later cell.
    """

    def __init__(self, serve: Serve, name: str = "server") -> None:
        self.serve = serve
        self.name = name
        self.stop_event = threading.Event()
        self.error: str | None = None
        self.thread_errors: list[str] = []
        self.returned_in_time: bool | None = None
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._previous_hook = threading.excepthook

    # -------------------------------------------------------------- running
    def __enter__(self) -> ServerUnderTest:
        # The interface promised to students: a blocking socket, bound and listening.
        self._listener = socket.create_server((LOOPBACK, 0), backlog=64)
        self._listener.settimeout(None)
        self._previous_hook = threading.excepthook
        threading.excepthook = self._record_thread_error
        self._thread = threading.Thread(
            target=self._run, name=f"sockutil-check:{self.name}", daemon=True
        )
        self._thread.start()
        self._thread.join(0.05)  # a stub that raises at once is caught before any client connects
        return self

    def _run(self) -> None:
        assert self._listener is not None
        try:
            self.serve(self._listener, self.stop_event)
        except BaseException as error:  # noqa: BLE001 - reported in words, never printed
            self.error = _describe(error)

    def _record_thread_error(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        self.thread_errors.append(
            _describe(args.exc_value) if args.exc_value is not None else args.exc_type.__name__
        )

    @property
    def port(self) -> int:
        assert self._listener is not None
        return self._listener.getsockname()[1]

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def report_stop(self, report: Report, who: str, stop_hint: str, thread_hint: str) -> None:
        """Stop the server and report, in words, whether it returned and whether threads raised.

        Both the many-clients and the lab check end this way; ``who`` names the
        student's function ("your server", "serve_kv").
        """
        was_alive = self.alive
        returned = self.stop()
        if was_alive:
            if returned:
                report.check(True, f"{who} returned within 2 s after stop was set")
            else:
                where = ("it is still running in the background: restart the kernel "
                         "(Kernel > Restart) before you try again"
                         if self.alive else "it returned only later")
                report.check(False, f"{who} did not return within 2 s after stop was set; {where}",
                             stop_hint)
        report.check(not self.thread_errors,
                     "no exception escaped your server's threads" if not self.thread_errors
                     else f"an exception escaped a thread: {self.thread_errors[0]}",
                     thread_hint)

    def why_dead(self) -> str:
        """Words for a server thread that is no longer running, for a failed case."""
        if self.error:
            return f"your server raised {self.error}"
        return "your server function returned before stop was set"

    # ------------------------------------------------------------- stopping
    def stop(self) -> bool:
        """Set ``stop``, wait for the function to return; True if it did in time."""
        if self.returned_in_time is not None:
            return self.returned_in_time
        self.stop_event.set()
        assert self._thread is not None
        self._thread.join(STOP_GRACE)
        self.returned_in_time = not self._thread.is_alive()
        if not self.returned_in_time:
            # Best effort for a loop blocked in accept() without a timeout:
            # one last connection wakes it, so that it can see the flag.
            try:
                socket.create_connection((LOOPBACK, self.port), timeout=0.5).close()
            except OSError:
                pass
            self._thread.join(0.5)
        return self.returned_in_time

    def __exit__(self, *exc_info: object) -> None:
        try:
            self.stop()
        finally:
            threading.excepthook = self._previous_hook
            if self._listener is not None:
                self._listener.close()


# ---------------------------------------------------------------- the race
@dataclass
class Race:
    """When each client of ``time_clients`` had its whole reply, in seconds after the slow one connected.

    A client that failed (refused, timed out, wrong reply) has ``math.inf``.
    ``slow_sent`` is when the slow client sent its line (``math.inf`` if it
    never did).
    """

    slow_delay: float
    slow: float = math.inf
    fast: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    slow_sent: float = math.inf

    @property
    def times(self) -> list[float]:
        """Every client's finite completion time, for a plot."""
        return [t for t in [self.slow, *self.fast] if math.isfinite(t)]

    @property
    def answered(self) -> int:
        """How many clients got their whole, correct reply."""
        return len(self.times)

    @property
    def clients(self) -> int:
        return 1 + len(self.fast)

    @property
    def fast_before_slow_sent(self) -> int:
        """How many fast clients had their whole reply before the slow client sent its line.

        Why an order of events and not a time limit: the slow client waits for
        the fast ones (see ``time_clients``), so on a server that serves
        clients concurrently this is every fast client however loaded the
        machine is, and on a server that serves one client at a time it is
        none, by construction.
        """
        return sum(1 for t in self.fast if t < self.slow_sent)


class _Countdown:
    """An event that is set once ``count`` clients are done (answered or failed)."""

    def __init__(self, count: int) -> None:
        self._lock = threading.Lock()
        self._left = count
        self.done = threading.Event()
        if count <= 0:
            self.done.set()

    def one_done(self) -> None:
        with self._lock:
            self._left -= 1
            if self._left <= 0:
                self.done.set()


def _one_client(
    port: int, message: bytes, expected: bytes, timeout: float, wait: Callable[[], None] | None,
    t0: list[float], connected: threading.Event | None, sent: list[float],
) -> tuple[float, str]:
    """Connect, (wait), send, read ``len(expected)`` bytes, close. Return (finish time, error)."""
    try:
        with socket.create_connection((LOOPBACK, port), timeout=timeout) as sock:
            if connected is not None:  # the slow client: the clock starts now
                t0.append(time.perf_counter())
                connected.set()
            if wait is not None:
                wait()
                sent.append(time.perf_counter() - t0[0])
            sock.sendall(message)
            reply = b""
            while len(reply) < len(expected):
                data = sock.recv(65536)
                if not data:
                    break
                reply += data
            finished = time.perf_counter()
    except OSError as error:
        return math.inf, type(error).__name__
    if reply != expected:
        return math.inf, "wrong reply"
    return finished - t0[0], ""


def time_clients(
    port: int,
    fast: int = 6,
    slow_delay: float = 0.5,
    message: bytes = b"hello\n",
    expected: bytes | None = None,
    timeout: float = 5.0,
    patience: float = 2.0,
) -> Race:
    """Race one slow client and ``fast`` fast ones against the server on ``port``.

    The slow client connects first, then dawdles before it sends ``message``
    (a person typing, a bad network): it waits ``slow_delay`` seconds *and*
    until every fast client is done (answered or failed), but never more than
    ``patience`` seconds in all. As soon as it is connected, the fast clients
    connect and send ``message`` at once. Each client reads until it has
    ``len(expected)`` bytes (``expected`` defaults to ``message``: an echo),
    then closes. Every socket has ``timeout``.

    Why the slow client waits for the fast ones: then "the fast clients
    finished before the slow one sent" (``Race.fast_before_slow_sent``) is an
    order of events, true on any concurrent server however slow the machine,
    not a race against a clock. A server that serves one client at a time
    took the slow client first (it connected first), so its fast clients
    queue behind it and cannot finish before it sends: the slow client gives
    up waiting after ``patience`` seconds. Keep ``patience`` below the
    server's idle timeout, or the server may drop the slow client for its
    silence.
    """
    expected = message if expected is None else expected
    race = Race(slow_delay)
    t0: list[float] = []
    sent: list[float] = []
    connected = threading.Event()
    countdown = _Countdown(fast)
    results: dict[str, tuple[float, str]] = {}

    def dawdle() -> None:
        started = time.perf_counter()
        time.sleep(slow_delay)
        countdown.done.wait(max(0.0, patience - (time.perf_counter() - started)))

    def run(name: str, wait: Callable[[], None] | None, signal: threading.Event | None) -> None:
        try:
            results[name] = _one_client(port, message, expected, timeout, wait, t0, signal, sent)
        finally:
            if signal is None:
                countdown.one_done()

    slow = threading.Thread(target=run, args=("slow", dawdle, connected),
                            name="race:slow", daemon=True)
    slow.start()
    threads = [slow]
    if connected.wait(timeout):
        for i in range(fast):
            thread = threading.Thread(target=run, args=(f"fast{i}", None, None),
                                      name=f"race:fast{i}", daemon=True)
            thread.start()
            threads.append(thread)
    for thread in threads:
        thread.join(max(slow_delay, patience) + 2 * timeout + 1)
    race.slow, error = results.get("slow", (math.inf, "no answer"))
    race.slow_sent = sent[0] if sent else math.inf
    race.errors = [error] if error else []
    for i in range(fast):
        finished, error = results.get(f"fast{i}", (math.inf, "no answer"))
        race.fast.append(finished)
        if error:
            race.errors.append(error)
    return race


# --------------------------------------------------------------- the check
def _talk(port: int, data: bytes, nbytes: int, timeout: float = 2.0,
          half_close: bool = False, read_after: float = 0.0) -> bytes:
    """Send ``data`` and read ``nbytes`` back, starting to read after ``read_after`` seconds.

    The data is sent from a thread, so a big message cannot deadlock against
    a server that answers while we still send. Reading late lets the kernel's
    buffers fill up, so a server's ``send`` can take only part of its data.
    """
    with socket.create_connection((LOOPBACK, port), timeout=timeout) as sock:
        failure: list[str] = []

        def sender() -> None:
            try:
                sock.sendall(data)
                if half_close:
                    sock.shutdown(socket.SHUT_WR)
            except OSError as error:
                failure.append(type(error).__name__)

        thread = threading.Thread(target=sender, name="check:sender", daemon=True)
        thread.start()
        reply = b""
        try:
            time.sleep(read_after)
            while len(reply) < nbytes:
                piece = sock.recv(65536)
                if not piece:
                    break
                reply += piece
        finally:
            thread.join(timeout + 1)
        return reply


def check_serve_upper(serve_upper: Serve) -> None:
    """Check ``serve_upper(listener, stop)`` from notebook 08: many clients at once, in capitals."""
    report = Report("serve_upper")
    with default_timeout(), ServerUnderTest(serve_upper, "serve_upper") as server:
        if not server.alive:
            report.check(False, f"serve_upper(listener, stop): {server.why_dead()}",
                         "it should accept and serve clients until stop is set, then return")
            report.finish()
            return

        def case(what: str, call: Callable[[], bytes], expected: bytes, hint: str = "") -> None:
            if not server.alive:
                report.check(False, f"{what}: {server.why_dead()}", hint)
                return
            try:
                got = call()
            except OSError as error:
                report.check(False, f"{what}: the client got {type(error).__name__}",
                             hint or "a client got no answer in time")
                return
            if got == expected:
                report.check(True, what)
            elif len(expected) > 100:
                report.check(False, f"{what}: {len(got)} of {len(expected)} bytes came back "
                                    f"{'right' if expected.startswith(got) else 'wrong'}", hint)
            else:
                report.check(False, f"{what}: got {got!r}", hint)

        case("one client: b'hello\\n' comes back as b'HELLO\\n'",
             lambda: _talk(server.port, b"hello\n", 6), b"HELLO\n",
             "send back data.upper() for every piece of data you receive")
        case("one client, two messages: both come back, in order",
             lambda: _talk(server.port, b"one\ntwo\n", 8), b"ONE\nTWO\n",
             "keep receiving from a client until recv() returns b'' (it closed)")
        # 8 MB, read only after 0.2 s: more than the kernel's buffers hold on
        # either side (a few MB on Linux loopback), so the server's send() fills
        # them and can take only part of what it is given.
        big = (b"x" * 99 + b"\n") * 80_000
        case("an 8 MB message comes back whole, in capitals",
             lambda: _talk(server.port, big, len(big), timeout=5.0, read_after=0.2), big.upper(),
             "send() may take only part of the data: use sendall() on a blocking socket, or "
             "keep the rest in a write buffer and send it when the socket is writable")
        case("after a client closes its side, your server closes the connection",
             lambda: _talk(server.port, b"bye\n", 1 << 20, half_close=True), b"BYE\n",
             "when recv() returns b'', close that client's socket")

        hint_race = ("serving one client at a time makes everyone wait for the slow one: "
                     "start a thread per client, or watch every socket with selectors")
        if server.alive:
            race = time_clients(server.port, fast=6, slow_delay=0.5, message=b"hi\n",
                                expected=b"HI\n", timeout=2.0, patience=1.0)
            fast_done = race.fast_before_slow_sent
            report.check(
                fast_done == len(race.fast),
                f"7 clients at once, one of them slow: {fast_done} of the 6 fast ones "
                f"were answered before the slow one sent",
                hint_race,
            )
            report.check(math.isfinite(race.slow), "the slow client was answered too",
                         "keep serving a client until it closes, however slow it is")
        else:
            report.check(False, f"7 clients at once: {server.why_dead()}", hint_race)

        server.report_stop(
            report,
            "your server",
            "look at stop.is_set() at least every 0.1 s: give accept() a "
            "timeout (listener.settimeout(0.1)) or select() with a timeout",
            "catch OSError around a client's recv/sendall (a client may reset or "
            "time out); an uncaught exception in a thread prints a traceback",
        )
    report.finish()

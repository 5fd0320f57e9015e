"""A race of clients against a server: one slow client, several fast ones, and when each was answered.

Why: notebook 08 shows that a server serving one client at a time lets a
single slow client hold up everyone, and that a thread per client, a
``selectors`` loop or asyncio do not. A time limit ("the fast clients finished
within 0.1 s") would make that lesson depend on how loaded the machine is. So
the race is built on an *order of events* instead:

* the slow client connects first, then dawdles before it sends its message
  (a person typing, a bad network): it waits at least ``slow_delay`` seconds
  *and* until every fast client is done (answered or failed), but never more
  than ``patience`` seconds in all;
* as soon as it is connected, the fast clients connect and send at once.

On a server that serves clients concurrently, every fast client is answered
before the slow one sends, however slow the machine. On a server that serves
one client at a time, none is: it took the slow client first (it connected
first), so the fast ones queue behind it, and the slow client gives up waiting
for them after ``patience`` seconds. ``Race.fast_before_slow_sent`` counts
them; it is the same on every run, so a notebook can print it. The times
themselves (seconds after the slow client connected) are for plots.

Each client is plain blocking code: ``create_connection``, ``sendall``, a
``recv`` loop until the whole expected reply has arrived, ``close``. Every
socket has a timeout and every thread is joined with a bound, so a wrong or
unfinished server makes clients fail (``math.inf``), never hangs the caller.
The threads are named ``sockutil-race:...``: the kit's own, never the
student's, to a self-check watching the student's threads.
"""

from __future__ import annotations

import math
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from .names import LOOPBACK

__all__ = ["Race", "time_clients"]

#: Prefix of the race's thread names (see the module's docstring).
THREAD_PREFIX = "sockutil-race"


@dataclass
class Race:
    """When each client of ``time_clients`` had its whole reply, in seconds after the slow one connected.

    A client that failed (refused, timed out, wrong reply) has ``math.inf``.
    ``slow_sent`` is when the slow client sent its message (``math.inf`` if it
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
        """How many fast clients had their whole reply before the slow client sent its message.

        An order of events, not a time limit (see the module's docstring):
        every fast client on a concurrent server, none on an iterative one.
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
    """Race one slow client and ``fast`` fast ones against the server on 127.0.0.1, ``port``.

    The slow client connects first; it sends ``message`` once at least
    ``slow_delay`` seconds have passed *and* every fast client is done, or
    after ``patience`` seconds at the latest. The fast clients connect as soon
    as it is connected and send ``message`` at once. Each client reads until
    it has ``len(expected)`` bytes (``expected`` defaults to ``message``: an
    echo), then closes. Every socket has ``timeout``. Keep ``patience`` below
    the server's idle timeout, or the server may drop the slow client for its
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
        time.sleep(slow_delay)  # the slow client's dawdling is the lesson, not a synchronisation
        countdown.done.wait(max(0.0, patience - (time.perf_counter() - started)))

    def run(name: str, wait: Callable[[], None] | None, signal: threading.Event | None) -> None:
        try:
            results[name] = _one_client(port, message, expected, timeout, wait, t0, signal, sent)
        finally:
            if signal is None:
                countdown.one_done()

    slow = threading.Thread(target=run, args=("slow", dawdle, connected),
                            name=f"{THREAD_PREFIX}:slow", daemon=True)
    slow.start()
    threads = [slow]
    if connected.wait(timeout):
        for i in range(fast):
            thread = threading.Thread(target=run, args=(f"fast{i}", None, None),
                                      name=f"{THREAD_PREFIX}:fast{i}", daemon=True)
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

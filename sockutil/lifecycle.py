"""The states of a background server, safe to change from any thread at any moment.

Why a module of its own: "start and stop are safe from any thread, at any
moment, twice" is a promise about states, not about sockets, and it is easier
to keep in one small table than spread over the server's code. The server
does the I/O; this class only says, under one lock, who may do what next.

Theory of operation::

    new --start--> starting --start done--> running --stop--> stopping --> stopped
     |                |                                                     ^
     +-----stop-------+---- stop meanwhile: start abandons, ends stopped ---+

* ``begin_start()`` moves new -> starting (a second start raises).
* A ``stop()`` while starting is remembered (``stop_requested``). The
  starting thread checks it after each step that can block, and once more,
  under the lock, at the moment it would become running (``go_running``), so
  a stop can never slip in between the check and the switch.
* A ``stop()`` from another thread during a start, or during another stop,
  waits (bounded) until that one is over: when ``stop()`` returns, nothing
  runs any more. Threads that belong to the server (a handler calling
  ``stop()``) never wait: they would wait for themselves.
* ``begin_stop()`` returns True to exactly one caller: the one that must now
  do the stopping and then call ``finish_stop()``.

The lock is the server's (it also guards its event log), so a thread waiting
for "idle" and one waiting for "stopped" are both woken by every change.
"""

from __future__ import annotations

import threading
from typing import Callable, Collection

__all__ = ["Lifecycle"]

NEW, STARTING, RUNNING, STOPPING, STOPPED = "new", "starting", "running", "stopping", "stopped"

#: Seconds a stop() from another thread waits for a start() in progress, on top
#: of its own timeout: start() blocks only to stop an older server of its name.
START_WAIT = 5.0

#: Seconds a second stop() waits for the first, on top of its own timeout.
STOP_WAIT = 1.0


class Lifecycle:
    """Which state a server is in, and the only ways to change it.

    ``at(point)`` is called at each point where another thread may get in
    between ("stop: waiting for start", "stop: waiting for the other stop"),
    with the lock held; the server passes its own hook, which tests replace to
    force one interleaving every time.
    """

    def __init__(self, lock: threading.Condition, at: Callable[[str], None]) -> None:
        self._lock = lock
        self._at = at
        self.state = NEW
        self.stop_requested = False
        self._starter: threading.Thread | None = None
        self._stopper: threading.Thread | None = None

    def begin_start(self, name: str) -> None:
        with self._lock:
            if self.state != NEW:
                raise RuntimeError(f"server {name!r} was already started; create a new one")
            self.state = STARTING
            self._starter = threading.current_thread()

    def go_running(self, launch: Callable[[], None]) -> bool:
        """Unless a stop came meanwhile: ``launch()`` and become running, atomically."""
        with self._lock:
            if self.stop_requested or self.state != STARTING:
                return False
            launch()
            self.state = RUNNING
            self._lock.notify_all()
            return True

    def abandon_start(self, close: Callable[[], None]) -> bool:
        """starting -> stopping, calling ``close()``; the caller then calls ``finish_stop``.

        False if the start is not (or no longer) in progress.
        """
        with self._lock:
            if self.state != STARTING:
                return False
            self._stopping_by(threading.current_thread())
            close()
            return True

    def begin_stop(self, timeout: float, own_threads: Callable[[], Collection[threading.Thread]]) -> bool:
        """True if the caller must now stop the running server, then call ``finish_stop``."""
        current = threading.current_thread()
        with self._lock:
            if self.state == NEW:
                self._set(STOPPED)
                return False
            if self.state == STARTING:
                self.stop_requested = True
                if current is self._starter:
                    return False  # start() sees the request at its next step
                self._at("stop: waiting for start")
                self._lock.wait_for(lambda: self.state != STARTING, timeout + START_WAIT)
            if self.state == STOPPING:
                if current is not self._stopper and current not in own_threads():
                    self._at("stop: waiting for the other stop")
                    self._lock.wait_for(lambda: self.state == STOPPED, timeout + STOP_WAIT)
                return False
            if self.state != RUNNING:
                return False
            self._stopping_by(current)
            return True

    def finish_stop(self) -> None:
        """stopping (or an abandoned start) -> stopped; wakes every waiter."""
        with self._lock:
            self._set(STOPPED)

    def _stopping_by(self, thread: threading.Thread) -> None:
        self._stopper = thread  # it must never wait for itself
        self._set(STOPPING)

    def _set(self, state: str) -> None:
        self.state = state
        self._lock.notify_all()

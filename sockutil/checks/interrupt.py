"""Stop the student's code when it neither returns nor waits on a socket: a runaway loop.

Why: ``attempt`` runs the student's call in a thread and, at the deadline,
calls ``on_hang`` to unblock it. Shutting down the socket the call waits on
wakes a blocked ``recv`` or ``send``. But a loop that waits on nothing
(``while True: pass``, or one that keeps calling ``send()`` and swallows
every error it raises) cannot be woken that way, and Python cannot kill a
thread. Left alone, it would spin in the notebook's kernel until the kernel
is restarted, slowing every cell after it.

What CPython offers is ``PyThreadState_SetAsyncExc``: it raises an exception
in another thread the next time that thread runs Python code. That does what
a SIGALRM timer did for the main thread, without touching signal handlers
(a check must leave them alone) and from any thread.

``Interruptible(call)`` wraps the student's call; pass it to ``attempt`` and
its ``interrupt`` as (part of) ``on_hang``. The exception is only ever set
while the call is running, under a lock that the call's end also takes, so it
is raised inside the wrapper at the latest, where ``attempt`` catches it; it
never lands in the kit's own code afterwards. Where the API is missing (not
CPython), ``interrupt`` does nothing and the thread is left to end on its own.
"""

from __future__ import annotations

import contextlib
import ctypes
import threading
import time
from typing import Any, Callable

__all__ = ["Interruptible", "StoppedByCheck"]

START_WAIT = 1.0     # seconds interrupt() waits for threads being started to run
START_POLL = 0.001
# Where threading keeps threads started but not yet running, and the lock it
# takes to put one there (CPython's threading module; both exist in 3.11 to 3.13).
_LIMBO: dict = getattr(threading, "_limbo", {})
_LIMBO_LOCK = getattr(threading, "_active_limbo_lock", threading.Lock())


class StoppedByCheck(BaseException):
    """Raised inside the student's code to stop it. A BaseException, so ``except Exception`` lets it through."""


class Interruptible:
    """A call that another thread can stop with ``interrupt()`` while it runs."""

    def __init__(self, call: Callable[..., Any]) -> None:
        self.call = call
        self.interrupted = False
        self.on_defer: Callable[[], None] | None = None   # a hook for tests: called each time interrupt() waits
        self._lock = threading.Lock()
        self._thread_id: int | None = None

    def __call__(self, *args: Any) -> Any:
        with self._lock:
            self._thread_id = threading.get_ident()
        try:
            return self.call(*args)
        finally:
            with self._lock:
                self._thread_id = None

    def interrupt(self) -> None:
        """Raise ``StoppedByCheck`` in the thread running the call, if it still runs.

        Why it may wait: on CPython 3.11 a thread that ``Thread.start()`` has
        made but that has not run yet carries the id of the thread that
        started it, and ``PyThreadState_SetAsyncExc`` raises in the first
        state with the id it is given, the newest. Sent then, the exception
        would stop the student's new thread instead of their loop. While a
        thread is being started (it sits in ``threading._limbo`` until it
        runs), this waits, up to ``START_WAIT`` seconds; holding the lock
        that ``Thread.start()`` takes first, no thread can begin starting
        between the look and the raise.
        """
        waited_until = time.monotonic() + START_WAIT
        while True:
            with self._lock:
                if self._thread_id is None:
                    return
                with _LIMBO_LOCK:
                    if not _LIMBO:
                        self._raise(self._thread_id)
                        return
            if time.monotonic() > waited_until:
                return   # a thread that never runs: better no interrupt than one in the wrong thread
            if self.on_defer is not None:
                self.on_defer()
            time.sleep(START_POLL)   # no event tells when a new thread has run; it takes microseconds

    def _raise(self, thread_id: int) -> None:
        with contextlib.suppress(AttributeError, OSError):  # not CPython: nothing to do
            # Arguments wrapped here, not through .argtypes: that would change the
            # shared function object for every other user of ctypes.pythonapi.
            raised = ctypes.pythonapi.PyThreadState_SetAsyncExc(
                ctypes.c_ulong(thread_id), ctypes.py_object(StoppedByCheck)
            )
            self.interrupted = raised == 1

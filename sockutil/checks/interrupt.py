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
from typing import Any, Callable

__all__ = ["Interruptible", "StoppedByCheck"]


class StoppedByCheck(BaseException):
    """Raised inside the student's code to stop it. A BaseException, so ``except Exception`` lets it through."""


class Interruptible:
    """A call that another thread can stop with ``interrupt()`` while it runs."""

    def __init__(self, call: Callable[..., Any]) -> None:
        self.call = call
        self.interrupted = False
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
        """Raise ``StoppedByCheck`` in the thread running the call, if it still runs."""
        with self._lock:
            if self._thread_id is None:
                return
            with contextlib.suppress(AttributeError, OSError):  # not CPython: nothing to do
                # Arguments wrapped here, not through .argtypes: that would change the
                # shared function object for every other user of ctypes.pythonapi.
                raised = ctypes.pythonapi.PyThreadState_SetAsyncExc(
                    ctypes.c_ulong(self._thread_id), ctypes.py_object(StoppedByCheck)
                )
                self.interrupted = raised == 1

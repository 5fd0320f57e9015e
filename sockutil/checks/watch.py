"""A watch on the student's code while a check runs: its sockets, its threads, their errors.

Why: a check must blame the student only for the student's own doing. A
server the check started, a panel left running in an earlier cell, or the
check's own client threads are the kit's; a socket the student's function
opened and never closed, or an exception that escaped a thread the student
started, are the student's. ``Watch`` tells them apart by where a socket was
created (code outside the ``sockutil`` package, past the standard library's
``socket.py``) and by thread (started during the watch, not named
``sockutil...``).

It touches process-wide settings, and restores every one of them on every
path, in reverse order: the default socket timeout, the warnings filters
(ResourceWarning recorded, so a socket the garbage collector closes for the
student is counted), ``socket.socket.__init__`` (wrapped, to see sockets
being created) and ``threading.excepthook`` (so an exception escaping a
student's thread is recorded in words instead of printed into some later
cell).
"""

from __future__ import annotations

import contextlib
import gc
import socket
import sys
import threading
import warnings
import weakref
from pathlib import Path
from typing import Any, Iterator

from ..clients import DEFAULT_TIMEOUT
from ..errors import describe_error
from .harness import KIT_THREAD_PREFIX, forget_traceback

__all__ = ["Watch", "default_timeout"]

_KIT_DIR = str(Path(__file__).resolve().parent.parent)
_SOCKET_PY = str(Path(socket.__file__).resolve())


@contextlib.contextmanager
def default_timeout(seconds: float = DEFAULT_TIMEOUT) -> Iterator[None]:
    """Give every socket created inside the block a timeout, so student code cannot hang."""
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(previous)


def _created_by_student() -> bool:
    """Was the socket being created made by code outside the kit (the caller of the caller...)?

    Frames of the standard library's ``socket.py`` (``create_connection``,
    ``accept``, ``socketpair``) are skipped: what counts is who called them.
    """
    frame = sys._getframe(2)
    while frame is not None:
        filename = frame.f_code.co_filename
        if filename.startswith(_KIT_DIR):
            return False
        if not (filename == _SOCKET_PY or filename.endswith(("/socket.py", "\\socket.py"))):
            return True
        frame = frame.f_back
    return False


class Watch:
    """The student's sockets and threads while a check runs; see the module's docstring.

    Use as a context manager around every call of the student's code. Then:

    * ``thread_errors``: exceptions that escaped the student's threads, in words;
    * ``left_open()``: the student's sockets still open (``close_all()`` closes them);
    * ``collected``: how many of the student's sockets the garbage collector had
      to close (the student forgot ``close()``);
    * ``student_threads()``: the student's threads still running.

    With ``hold=True`` it also holds the student's sockets strongly until it
    ends, so that ``made_since(mark())`` gives every socket one call made,
    open or closed. Why: in CPython a socket dropped without ``close()`` is
    collected at once, when its last reference goes, and then nobody can ask
    which call made it, or whether the student ever closed it; held, a leak
    stays open to be counted (a socket re-bound instead of a new one, a second
    socket where none was due). The check closes them (``close_all()``).
    """

    def __init__(self, timeout: float | None = DEFAULT_TIMEOUT, *, hold: bool = False) -> None:
        self.timeout = timeout
        self.hold = hold
        self._held: list[socket.socket] = []
        self.thread_errors: list[str] = []
        self.collected = 0
        self._sockets: dict[int, weakref.ref[socket.socket]] = {}
        self._lock = threading.Lock()
        self._threads_before: set[threading.Thread] = set()
        self._stack = contextlib.ExitStack()

    # -- entering and leaving
    def __enter__(self) -> Watch:
        gc.collect()  # earlier garbage is not this check's doing
        self._threads_before = set(threading.enumerate())
        stack = self._stack
        if self.timeout is not None:
            stack.enter_context(default_timeout(self.timeout))
        caught = stack.enter_context(warnings.catch_warnings(record=True))
        warnings.simplefilter("always", ResourceWarning)
        self._caught = caught

        original_init = socket.socket.__init__
        watch = self

        def init(sock: socket.socket, *args: Any, **kwargs: Any) -> None:
            original_init(sock, *args, **kwargs)
            if _created_by_student():
                with watch._lock:  # weakly: a socket the student drops must still be collectable
                    watch._sockets[id(sock)] = weakref.ref(sock)
                    if watch.hold:  # unless the check asked to see every one, dropped or not
                        watch._held.append(sock)

        socket.socket.__init__ = init  # type: ignore[method-assign]
        stack.callback(setattr, socket.socket, "__init__", original_init)

        previous_hook = threading.excepthook
        threading.excepthook = self._excepthook
        stack.callback(setattr, threading, "excepthook", previous_hook)
        self._previous_hook = previous_hook
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            self.count_collected()
        finally:
            self._stack.close()
            with self._lock:
                self._held.clear()  # the check has closed them (close_all); let them go

    # -- sockets made, with hold=True
    def mark(self) -> int:
        """A point to count from: ``made_since(mark)`` gives the student's sockets made after it."""
        if not self.hold:
            raise ValueError("Watch(hold=True) is needed to count the sockets made")
        with self._lock:
            return len(self._held)

    def made_since(self, mark: int) -> list[socket.socket]:
        """The student's sockets made after ``mark``, open or closed, in the order made."""
        with self._lock:
            return self._held[mark:]

    # -- sockets
    def count_collected(self) -> int:
        """Collect garbage now; count the student's sockets it had to close."""
        gc.collect()
        with self._lock:
            ids = set(self._sockets)
        for message in self._caught:
            if issubclass(message.category, ResourceWarning) and id(message.source) in ids:
                self.collected += 1
        self._caught.clear()
        return self.collected

    def sockets(self) -> list[socket.socket]:
        """Every socket the student's code created while watched (open or not)."""
        with self._lock:
            refs = list(self._sockets.values())
        return [sock for sock in (ref() for ref in refs) if sock is not None]

    def left_open(self) -> list[socket.socket]:
        return [sock for sock in self.sockets() if sock.fileno() != -1]

    def all_closed(self, server: Any = None, timeout: float = 1.0) -> bool:
        """Did the student's code close every socket it made? Closes what it left, either way.

        ``server`` (anything with ``wait_idle``) is first given ``timeout``
        seconds to see each connection end, so a close still on its way is not
        counted as missing. Sockets still open and sockets the garbage
        collector had to close both count as not closed.
        """
        idle = True
        if server is not None:
            try:
                server.wait_idle(timeout=timeout)
            except TimeoutError:
                idle = False
        left = self.left_open()
        self.close_all()
        return idle and not left and not self.count_collected()

    def wake(self) -> None:
        """Shut down the student's open sockets: wakes code blocked in recv, send or accept.

        For ``attempt(..., on_hang=watch.wake)``: a call stuck waiting for
        bytes that will never come returns (with ``b""`` or an error) instead
        of waiting for its own timeout, which may be long or none.
        """
        for sock in self.left_open():
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def close_all(self) -> None:
        """Close what the student left open, so the check leaves nothing behind."""
        for sock in self.left_open():
            with contextlib.suppress(OSError):
                sock.close()

    # -- threads
    def student_threads(self) -> list[threading.Thread]:
        """Threads started since the watch began that are not the kit's, still running."""
        return [
            thread for thread in threading.enumerate()
            if thread not in self._threads_before and not _is_kit_thread(thread)
        ]

    def _excepthook(self, args: threading.ExceptHookArgs) -> None:
        thread = args.thread
        if thread is not None and (thread in self._threads_before or _is_kit_thread(thread)):
            self._previous_hook(args)  # not the student's: what would have happened anyway
            return
        if args.exc_type is SystemExit:
            return
        error = args.exc_value
        self.thread_errors.append(describe_error(error) if error is not None else args.exc_type.__name__)
        if error is not None:
            forget_traceback(error)


def _is_kit_thread(thread: threading.Thread) -> bool:
    return thread.name.startswith(KIT_THREAD_PREFIX)

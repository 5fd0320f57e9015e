"""Every socket made while a check runs, held until it ends: what one call of the student's code made.

Why: ``Watch`` holds the student's sockets weakly, so that a socket the
student drops can still be collected, and it counts the ones the garbage
collector had to close. But in CPython a socket dropped without ``close()``
is collected at once, when its last reference goes, and then nobody can ask
which call made it, or whether it was ever closed by the student: a socket
left open while an exception is re-raised simply vanishes. ``SocketsMade``
holds every socket made while it is active, strongly, so a check can ask
afterwards how many sockets one call made (a socket re-bound instead of a new
one, a second socket made where none was due) and which of them are still
open (a leak the collector would otherwise have hidden). The check closes
them at its end, through its ``Watch``.

Enter it *outside* the ``Watch`` (``with SocketsMade() as made, Watch() as
watch:``): the watch then wraps this wrapper, and still sees who called
``socket.socket()`` exactly as before.
"""

from __future__ import annotations

import socket
import threading
from typing import Any

from .watch import Watch

__all__ = ["SocketsMade"]


class SocketsMade:
    """Holds every ``socket.socket`` made while active; ``since(mark, watch)`` gives the student's."""

    def __init__(self) -> None:
        self._made: list[socket.socket] = []
        self._lock = threading.Lock()
        self._original: Any = None

    def __enter__(self) -> SocketsMade:
        original = self._original = socket.socket.__init__
        made, lock = self._made, self._lock

        def init(sock: socket.socket, *args: Any, **kwargs: Any) -> None:
            original(sock, *args, **kwargs)
            with lock:
                made.append(sock)

        socket.socket.__init__ = init  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc_info: object) -> None:
        socket.socket.__init__ = self._original  # type: ignore[method-assign]
        with self._lock:
            self._made.clear()  # the check has closed them (Watch.close_all); let them go

    def mark(self) -> int:
        """A point to count from: ``since(mark)`` gives the sockets made after it."""
        with self._lock:
            return len(self._made)

    def since(self, mark: int, watch: Watch) -> list[socket.socket]:
        """The sockets made after ``mark`` that ``watch`` counts as the student's (open or closed)."""
        with self._lock:
            recent = self._made[mark:]
        students = watch.sockets()
        return [sock for sock in recent if any(sock is mine for mine in students)]

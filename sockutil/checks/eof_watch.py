"""A socket that counts the ``recv`` calls made after the end of the stream, for the checks.

Why: ``b""`` is the end of a TCP stream, and it comes back at once every time
``recv`` is called again. A loop that does not stop there spins for ever, so
a check cannot simply wait for it. ``CountingSocket`` wraps the real socket
(every other attribute is the real one's, so the student's code can do all a
socket allows), counts the calls made after ``b""``, and raises
``KeptReading`` into the student's loop after ``MAX_RECVS_AFTER_EOF`` of
them. It can also signal each ``recv`` that returns (``returned``), so a
server can send its next piece only once the last was read: then every
``recv`` sees one piece, however loaded the machine. A ``recv`` that raises
(its timeout ran out) signals too, and a ``TimeoutError`` is counted
(``timeouts``): code that shortened the socket's timeout and then took a
pause for the end is told so by what happened, not by a guess.
"""

from __future__ import annotations

import socket
import threading
from typing import Any

__all__ = ["MAX_RECVS_AFTER_EOF", "CountingSocket", "KeptReading"]

#: How many more ``recv`` calls a ``drain`` may make after ``recv`` returned
#: ``b""`` before the check ends it. A correct loop makes none; a loop that
#: ignores ``b""`` would make millions a second, since ``b""`` comes back at once.
MAX_RECVS_AFTER_EOF = 100


class KeptReading(Exception):
    """Raised into the student's loop once it ignores b'' too often."""


class CountingSocket:
    """The real socket, with its ``recv`` and ``recv_into`` calls after end-of-stream counted.

    Every other attribute is the real socket's, so the student's code can do
    anything a socket allows.
    """

    def __init__(self, sock: socket.socket, returned: threading.Event | None = None) -> None:
        self._sock = sock
        self.returned = returned if returned is not None else threading.Event()  # set as each recv returns
        self.eof_seen = False
        self.after_eof = 0
        self.timeouts = 0   # recv calls that raised TimeoutError
        self.first_timeout = sock.gettimeout()   # the lender's timeout, before the student's code ran

    def shortened_timeout(self, limit: float) -> float | None:
        """The socket's timeout if the student's code set it shorter than the lender's and at most ``limit`` s."""
        now = self._sock.gettimeout()
        if now is None or now > limit or (self.first_timeout is not None and now >= self.first_timeout):
            return None
        return now

    def _raised(self, error: BaseException) -> None:
        if isinstance(error, TimeoutError):
            self.timeouts += 1
        self.returned.set()

    def _before_call(self) -> None:
        if self.eof_seen:
            self.after_eof += 1
            if self.after_eof > MAX_RECVS_AFTER_EOF:
                raise KeptReading(f"recv() called {MAX_RECVS_AFTER_EOF} times after b''")

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        self._before_call()
        try:
            data = self._sock.recv(bufsize, flags)
        except OSError as error:
            self._raised(error)
            raise
        self.eof_seen = self.eof_seen or (not data and bufsize > 0)
        self.returned.set()
        return data

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        self._before_call()
        try:
            count = self._sock.recv_into(buffer, nbytes, flags)
        except OSError as error:
            self._raised(error)
            raise
        self.eof_seen = self.eof_seen or (not count and bool(nbytes or len(buffer)))
        self.returned.set()
        return count

    @property
    def closed(self) -> bool:
        """Whether the real socket is closed: the student's code closed a socket it was only lent."""
        return self._sock.fileno() == -1

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)

    def __enter__(self) -> CountingSocket:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._sock.close()

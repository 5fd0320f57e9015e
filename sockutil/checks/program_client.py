"""A client program against a server of the check's: what ``check_drain`` needs to take a program too.

Why a module of its own: a function ``drain(sock)`` is handed a socket the
check connected and wrapped (``CountingSocket``), so the check sees each
``recv`` return and sends its next piece only then. A program connects by
itself and its ``recv`` calls happen in another process. Two things replace
the wrapper:

* ``client_call`` gives the check one shape for both: a call that runs the
  student's code against the server, what counts its reads (a stand-in that
  saw no end of stream, for a program), and how to wake a stuck call.
* ``pieces_read_by_peer`` is a handler that sends a message in pieces, each
  once the peer has taken the one before out of its receive queue, as the
  kernel says (``tcp_table``). Then every ``recv`` sees one
  piece however loaded the machine, and one ``recv`` cannot get the whole
  message, as with the wrapper.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from types import SimpleNamespace
from typing import Any, Callable, Iterator

from ..servers import Connection
from .eof_watch import CountingSocket
from .program import Program
from .tcp_table import wait_until_read

__all__ = ["client_call", "pieces_read_by_peer"]

#: Seconds a client program's run is kept under the check's deadline: it is
#: killed and reported as a ``ProgramHung`` before the check gives up on it.
MARGIN = 0.25


def pieces_read_by_peer(message: bytes, size: int, finished: threading.Event,
                        patience: float) -> Callable[[Connection], None]:
    """A handler sending ``message`` ``size`` bytes at a time, each once the peer has read the one before.

    It waits at most ``patience`` seconds a piece (a peer that stopped reading), and stops once ``finished``.
    """
    def handler(conn: Connection) -> None:
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # each piece leaves at once
        for start in range(0, len(message), size):
            if finished.is_set():
                return
            conn.sendall(message[start:start + size])
            if not wait_until_read(conn.sock, time.monotonic() + patience,
                                   lambda seconds: not finished.is_set() and conn.sleep(seconds)):
                return

    return handler


@contextlib.contextmanager
def client_call(code: Callable[[Any], Any] | Program, address: tuple, read: threading.Event,
                timeout: float) -> Iterator[tuple[Callable[[], Any], Any, Callable[[], None]]]:
    """``(call, counting, wake)`` for the student's ``code`` as a client of ``address``.

    A function gets a connected, counting socket (closed when the block
    ends); a program gets the port, runs to its end within ``timeout`` less
    ``MARGIN``, and prints what it received.
    """
    if isinstance(code, Program):
        client = code.client(timeout - MARGIN)
        yield (lambda: client(address[1])), SimpleNamespace(eof_seen=False, after_eof=0), (lambda: None)
        return
    with socket.create_connection(address, timeout=timeout) as raw:
        counting = CountingSocket(raw, read)
        yield (lambda: code(counting)), counting, (lambda: raw.shutdown(socket.SHUT_RDWR))

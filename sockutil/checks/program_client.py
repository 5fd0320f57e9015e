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
  once the peer has taken the one before out of its receive queue. On Linux
  the kernel's table ``/proc/net/tcp`` says so for any process's socket: the
  peer's ``rx_queue`` (bytes it has not read) and our own ``tx_queue`` (bytes
  not yet acknowledged) are both 0. Then every ``recv`` sees one piece however
  loaded the machine, and one ``recv`` cannot get the whole message, as with
  the wrapper. Where the table is missing (macOS, Windows) each piece waits
  ``FALLBACK_PAUSE`` instead, which catches the mistake on an idle machine only.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable, Iterator

from ..servers import Connection
from .eof_watch import CountingSocket
from .program import Program

__all__ = ["FALLBACK_PAUSE", "client_call", "peer_has_read", "pieces_read_by_peer", "read_between"]

#: Where the kernel's table of sockets is not readable: seconds between two
#: pieces, long against a local program's reaction, short against a check.
FALLBACK_PAUSE = 0.05

#: Seconds a client program's run is kept under the check's deadline: it is
#: killed and reported as a ``ProgramHung`` before the check gives up on it.
MARGIN = 0.25

#: Seconds between two looks at the kernel's table while a piece is unread.
LOOK_EVERY = 0.002

TCP_TABLE = Path("/proc/net/tcp")


def _hex_endpoint(address: tuple) -> str:
    """127.0.0.1:8080 as /proc/net/tcp writes it: ``0100007F:1F90`` (the address in host order)."""
    packed = struct.unpack("=I", socket.inet_aton(address[0]))[0]
    return f"{packed:08X}:{address[1]:04X}"


def peer_has_read(sock: socket.socket) -> bool | None:
    """Has the peer of ``sock`` (a loopback IPv4 connection) read every byte sent on it? None: cannot tell."""
    try:
        return read_between(sock.getsockname(), sock.getpeername())
    except OSError:
        return None


def read_between(sender: tuple, receiver: tuple) -> bool | None:
    """Has the socket at ``receiver`` read every byte its peer at ``sender`` sent? None: cannot tell.

    Both ends are looked up in the kernel's table, so either may belong to another process.
    """
    try:
        mine, theirs = _hex_endpoint(sender), _hex_endpoint(receiver)
        table = TCP_TABLE.read_text()
    except (OSError, ValueError, struct.error):
        return None
    unsent = unread = None
    for line in table.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 5:
            continue
        tx, rx = (int(part, 16) for part in fields[4].split(":"))
        if (fields[1], fields[2]) == (mine, theirs):
            unsent = tx
        elif (fields[1], fields[2]) == (theirs, mine):
            unread = rx
    if unsent is None or unread is None:
        return None
    return unsent == 0 and unread == 0


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
            deadline = time.monotonic() + patience
            while time.monotonic() < deadline and not finished.is_set():
                read = peer_has_read(conn.sock)
                if read is None:
                    conn.sleep(FALLBACK_PAUSE)
                    break
                if read or not conn.sleep(LOOK_EVERY):
                    break

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

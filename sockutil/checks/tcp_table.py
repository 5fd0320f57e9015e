"""Has the other end read what we sent? The kernel's table of TCP sockets says, for any process.

Why a module of its own: several checks must send a piece only once the code
under test has taken the one before out of its receive queue. A pause cannot
promise that on a loaded machine: two pieces sent 1 ms apart can arrive
together, and one ``recv`` then gets both, so a reader that takes one
``recv`` for a whole message passes. On Linux ``/proc/net/tcp`` shows, for
each socket, the bytes not yet acknowledged (``tx_queue``) and the bytes not
yet read (``rx_queue``); when both are 0 between two endpoints, the reader
has called ``recv`` and got everything sent so far. Where the table is
missing (macOS, Windows), each piece waits ``FALLBACK_PAUSE`` instead, which
catches the mistake on an idle machine only.
"""

from __future__ import annotations

import socket
import struct
import time
from pathlib import Path
from typing import Callable

__all__ = ["FALLBACK_PAUSE", "LOOK_EVERY", "peer_has_read", "read_between", "wait_until_read"]

#: Where the kernel's table of sockets is not readable: seconds between two
#: pieces, long against a local program's reaction, short against a check.
FALLBACK_PAUSE = 0.05

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


def wait_until_read(sock: socket.socket, deadline: float,
                    sleep: Callable[[float], object] = time.sleep) -> bool:
    """Wait until the peer of ``sock`` has read all sent on it, or ``deadline`` (``time.monotonic()``) passes.

    ``sleep(seconds)`` pauses between two looks; a handler passes its
    ``Connection.sleep``, which returns False at once when the server is
    stopping. Returns False only then; True once the peer has read, once the
    deadline has passed (a peer that stopped reading: the caller goes on), or
    after ``FALLBACK_PAUSE`` where the table cannot tell.
    """
    while True:
        read = peer_has_read(sock)
        if read is None:
            return sleep(FALLBACK_PAUSE) is not False
        if read or time.monotonic() >= deadline:
            return True
        if sleep(LOOK_EVERY) is False:
            return False

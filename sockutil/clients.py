"""Client helpers with timeouts, each looping correctly over partial ``recv``s.

Why: ``recv(n)`` returns *up to* n bytes, whatever has arrived so far, and
``b""`` only when the peer has closed. One ``recv`` is not one message. Code
that assumes otherwise works on loopback most of the time and fails on a real
network. These helpers do the loop right, and every one of them has a timeout,
so a lesson can never hang the kernel.

When something goes wrong midway, nothing is lost: ``PeerClosedError`` and
``ReceiveTimeoutError`` carry the bytes that did arrive in ``.partial``.

Clients connect to 127.0.0.1 by default rather than ``localhost``: on some
systems ``localhost`` is tried as ``::1`` first, and a refused attempt there
can cost seconds before IPv4 is tried.
"""

from __future__ import annotations

import socket

from .errors import NameResolutionError, PeerClosedError, ReceiveTimeoutError
from .names import LOOPBACK

__all__ = [
    "DEFAULT_TIMEOUT",
    "connect",
    "recv_exactly",
    "recv_until_closed",
    "recv_chunks",
    "send_and_receive",
    "request",
]

#: Seconds any client call may block. Loopback answers in microseconds; five
#: seconds is long enough for a slow machine and short enough for a student.
DEFAULT_TIMEOUT = 5.0

#: Most bytes ``recv_until_closed`` collects before giving up (16 MiB).
DEFAULT_MAX_BYTES = 16 << 20


def connect(port: int, host: str = LOOPBACK, timeout: float = DEFAULT_TIMEOUT) -> socket.socket:
    """Open a TCP connection; the socket keeps ``timeout`` for every later call.

    Raises ``ConnectionRefusedError`` when nothing listens on the port,
    ``TimeoutError`` when nothing answers in time, and ``NameResolutionError``
    when ``host`` does not resolve.
    """
    try:
        return socket.create_connection((host, port), timeout=timeout)
    except socket.gaierror as error:
        raise NameResolutionError(host) from error


def recv_exactly(sock: socket.socket, nbytes: int) -> bytes:
    """Receive exactly ``nbytes`` bytes, calling ``recv`` as often as needed."""
    buffer = bytearray()
    while len(buffer) < nbytes:
        try:
            data = sock.recv(nbytes - len(buffer))
        except TimeoutError:
            raise ReceiveTimeoutError(sock.gettimeout(), bytes(buffer), f"{nbytes} bytes") from None
        if not data:
            raise PeerClosedError(nbytes, bytes(buffer))
        buffer += data
    return bytes(buffer)


def recv_chunks(
    sock: socket.socket, bufsize: int = 4096, max_bytes: int = DEFAULT_MAX_BYTES
) -> list[bytes]:
    """Receive until the peer closes; return what each ``recv`` call gave, in order.

    Useful to *see* how a stream arrives: the chunk sizes depend on timing and
    buffer sizes, not on how the sender called ``send``.
    """
    chunks: list[bytes] = []
    total = 0
    while True:
        try:
            data = sock.recv(bufsize)
        except TimeoutError:
            raise ReceiveTimeoutError(
                sock.gettimeout(), b"".join(chunks), "the peer to close"
            ) from None
        if not data:
            return chunks
        chunks.append(data)
        total += len(data)
        if total > max_bytes:
            raise ValueError(
                f"more than {max_bytes} bytes arrived before the peer closed; "
                f"raise max_bytes if that is expected"
            )


def recv_until_closed(
    sock: socket.socket, bufsize: int = 4096, max_bytes: int = DEFAULT_MAX_BYTES
) -> bytes:
    """Receive everything until the peer closes its side, and return it."""
    return b"".join(recv_chunks(sock, bufsize, max_bytes))


def send_and_receive(sock: socket.socket, data: bytes, nbytes: int | None = None) -> bytes:
    """Send all of ``data``, then receive exactly ``nbytes`` (default ``len(data)``, as from echo)."""
    sock.sendall(data)
    return recv_exactly(sock, len(data) if nbytes is None else nbytes)


def request(
    port: int,
    data: bytes = b"",
    host: str = LOOPBACK,
    timeout: float = DEFAULT_TIMEOUT,
) -> bytes:
    """Connect, send ``data``, close our sending side, and return everything the server sends.

    Closing the sending side (``shutdown(SHUT_WR)``, a "half-close") tells the
    server that no more is coming, so an echo server finishes too.
    """
    with connect(port, host, timeout) as sock:
        if data:
            sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        return recv_until_closed(sock)

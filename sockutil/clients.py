"""Client helpers with timeouts, each looping correctly over partial ``recv``s.

Why: ``recv(n)`` returns *up to* n bytes, whatever has arrived so far, and
``b""`` only when the peer has closed. One ``recv`` is not one message. Code
that assumes otherwise works on loopback most of the time and fails on a real
network. These helpers do the loop right, and every one of them has a timeout,
so a lesson can never hang the kernel: a socket made without a timeout (one
that would block for ever) gets ``DEFAULT_TIMEOUT`` for the duration of the
call, and has its own setting back afterwards.

When something goes wrong midway, nothing is lost. Every error a helper
raises after bytes have arrived carries them in ``.partial``:
``PeerClosedError`` (the peer closed too early), ``PeerResetError`` (the peer
reset the connection, a ``ConnectionResetError``), ``ReceiveTimeoutError``
(nothing more came in time, a ``TimeoutError``) and ``ReceiveLimitError``
(more than ``max_bytes`` came, a ``ValueError``). The OS's own exception is
kept as ``__cause__``.

Clients connect to 127.0.0.1 by default rather than ``localhost``: on some
systems ``localhost`` is tried as ``::1`` first, and a refused attempt there
can cost seconds before IPv4 is tried.
"""

from __future__ import annotations

import errno
import socket
from contextlib import contextmanager
from typing import Iterator

from .errors import (
    NameResolutionError,
    PeerClosedError,
    PeerResetError,
    ReceiveLimitError,
    ReceiveTimeoutError,
)
from .exercise_guard import refuse
from .names import LOOPBACK, unbracket

__all__ = [
    "DEFAULT_TIMEOUT",
    "DEFAULT_MAX_BYTES",
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

#: Bytes asked of each ``recv`` when ``request`` empties the receive buffer
#: after a failed send: 64 KiB, a few calls for anything a lesson's server says.
_DRAIN_SIZE = 64 << 10


def connect(port: int, host: str = LOOPBACK, timeout: float = DEFAULT_TIMEOUT) -> socket.socket:
    """Open a TCP connection; the socket keeps ``timeout`` for every later call.

    ``host`` is an IPv4 or IPv6 address (``"::1"``, or ``"[::1]"`` as in a
    URL) or a name; a name's addresses are tried in the resolver's order.
    Raises ``ConnectionRefusedError`` when nothing listens on the port,
    ``TimeoutError`` when nothing answers in time, and ``NameResolutionError``
    when ``host`` does not resolve.
    """
    host = unbracket(host)
    try:
        return socket.create_connection((host, port), timeout=timeout)
    except socket.gaierror as error:
        raise NameResolutionError(host) from error


@contextmanager
def _bounded(sock: socket.socket) -> Iterator[None]:
    """Give a socket without a timeout ``DEFAULT_TIMEOUT`` while a helper uses it.

    Why: ``socket.socket()`` blocks for ever by default, and a helper called
    on such a socket would hang the notebook if the peer never answers or
    never closes. A socket that has a timeout (or is non-blocking) keeps it.
    The timeout belongs to the socket, so while the helper runs, another
    thread using the same socket is bounded by it too.
    """
    if sock.gettimeout() is not None:
        yield
        return
    sock.settimeout(DEFAULT_TIMEOUT)
    try:
        yield
    finally:
        if sock.fileno() != -1:  # a socket closed meanwhile has nothing to restore
            sock.settimeout(None)


def _receive(
    sock: socket.socket,
    *,
    bufsize: int,
    nbytes: int | None = None,
    max_bytes: int | None = None,
) -> list[bytes]:
    """The one receive loop: what each ``recv`` gave, in order, until ``nbytes`` or EOF.

    With ``nbytes`` it stops after exactly that many bytes (an early EOF is
    an error); without, it stops at EOF. Every error carries the bytes that
    arrived before it in ``.partial``.
    """
    chunks: list[bytes] = []
    total = 0
    waiting_for = "the peer to close" if nbytes is None else f"{nbytes} bytes"
    with _bounded(sock):
        while nbytes is None or total < nbytes:
            size = bufsize if nbytes is None else nbytes - total
            try:
                data = sock.recv(size)
            except TimeoutError as error:
                raise ReceiveTimeoutError(sock.gettimeout(), b"".join(chunks), waiting_for) from error
            except ConnectionError as error:  # reset (or aborted) by the peer
                raise PeerResetError(b"".join(chunks)) from error
            if not data:
                if nbytes is None:
                    return chunks
                raise PeerClosedError(nbytes, b"".join(chunks))
            chunks.append(data)
            total += len(data)
            if max_bytes is not None and total > max_bytes:
                raise ReceiveLimitError(max_bytes, b"".join(chunks))
    return chunks


def recv_exactly(sock: socket.socket, nbytes: int) -> bytes:
    """Receive exactly ``nbytes`` bytes, calling ``recv`` as often as needed.

    Raises ``PeerClosedError`` if the peer closes first, ``PeerResetError``
    if it resets, ``ReceiveTimeoutError`` if nothing more comes in time; each
    keeps the bytes that did arrive in ``.partial``.
    """
    return b"".join(_receive(sock, bufsize=nbytes, nbytes=nbytes))


def recv_chunks(
    sock: socket.socket, bufsize: int = 4096, max_bytes: int = DEFAULT_MAX_BYTES
) -> list[bytes]:
    """Receive until the peer closes; return what each ``recv`` call gave, in order.

    Useful to *see* how a stream arrives: the chunk sizes depend on timing and
    buffer sizes, not on how the sender called ``send``. Raises
    ``PeerResetError``, ``ReceiveTimeoutError`` or, past ``max_bytes``,
    ``ReceiveLimitError``; each keeps the bytes that arrived in ``.partial``.
    """
    refuse("recv_chunks")   # not as the student's own exercise while its check runs
    return _receive(sock, bufsize=bufsize, max_bytes=max_bytes)


def recv_until_closed(
    sock: socket.socket, bufsize: int = 4096, max_bytes: int = DEFAULT_MAX_BYTES
) -> bytes:
    """Receive everything until the peer closes its side, and return it.

    Errors as for ``recv_chunks``, with the bytes that arrived in ``.partial``.
    """
    refuse("recv_until_closed")   # not as the student's own exercise while its check runs
    return b"".join(_receive(sock, bufsize=bufsize, max_bytes=max_bytes))


def send_and_receive(sock: socket.socket, data: bytes, nbytes: int | None = None) -> bytes:
    """Send all of ``data``, then receive exactly ``nbytes`` (default ``len(data)``, as from echo).

    The receiving part raises as ``recv_exactly`` does.
    """
    refuse("send_and_receive")   # not as the student's own exercise while its check runs
    with _bounded(sock):
        sock.sendall(data)
        return recv_exactly(sock, len(data) if nbytes is None else nbytes)


def _already_arrived(sock: socket.socket) -> bytes:
    """Return what is waiting in the receive buffer, without waiting for more.

    Used after a failed send, when the answer may already be here: a server
    that greets and closes without reading makes its kernel reset the
    connection, yet its greeting sits in our buffer, readable on Linux.
    """
    chunks: list[bytes] = []
    total = 0
    sock.setblocking(False)
    try:
        while total <= DEFAULT_MAX_BYTES:
            data = sock.recv(_DRAIN_SIZE)
            if not data:
                break
            chunks.append(data)
            total += len(data)
    except OSError:  # nothing more waiting (BlockingIOError), or the reset itself
        pass
    return b"".join(chunks)


def _is_broken(error: OSError) -> bool:
    """True for the errors a send meets once the peer has reset the connection."""
    # ENOTCONN: Linux's shutdown() on a connection already reset.
    return isinstance(error, ConnectionError) or error.errno == errno.ENOTCONN


def request(
    port: int,
    data: bytes = b"",
    host: str = LOOPBACK,
    timeout: float = DEFAULT_TIMEOUT,
) -> bytes:
    """Connect, send ``data``, close our sending side, and return everything the server sends.

    Closing the sending side (``shutdown(SHUT_WR)``, a "half-close") tells the
    server that no more is coming, so an echo server finishes too.

    A server that answers and closes without reading what we sent makes its
    kernel reset the connection (RST). Then ``PeerResetError`` is raised with
    the answer in ``.partial``, whether the reset met our send or our
    ``recv``. (Timing decides whether there is a reset to see: a server that
    closed before our bytes reached it closed in order, with FIN, and its
    kernel resets only our late bytes; a ``recv`` that comes first sees the
    answer and its end, and the answer is returned.) If sending times out
    (the server reads nothing and stays open), ``ReceiveTimeoutError`` keeps
    whatever the server had said in ``.partial``.
    """
    refuse("request")   # not as the student's own exercise while its check runs
    with connect(port, host, timeout) as sock:
        try:
            if data:
                sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
        except TimeoutError as error:
            raise ReceiveTimeoutError(
                timeout, _already_arrived(sock), "the server to read what we sent"
            ) from error
        except OSError as error:
            if not _is_broken(error):
                raise
            raise PeerResetError(_already_arrived(sock)) from error
        return recv_until_closed(sock)

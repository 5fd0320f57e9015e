"""The clients ``check_serve_once`` sends at the student's one-shot server (notebook 05).

Why a module of its own: each client is one way a real peer behaves (sends
and half-closes, resets, stays silent), and each must end on every path
within ``STEP_TIMEOUT``. ``once_client`` also asks for a large receive buffer
(``RECEIVE_BUFFER``) before it connects: the check gives the student's
listening socket a small send buffer (``SEND_BUFFER``, which the connection
``accept()`` returns inherits on Linux), so that one ``send()`` cannot take a
300 000-byte reply, as on a slow network; the client's large buffer then
takes a ``sendall()``'s whole reply whether or not the client's thread gets
to run, so a loaded machine cannot make a right server time out.
"""

from __future__ import annotations

import contextlib
import errno
import socket
import struct
from typing import Iterator

from ..errors import describe_error
from .tcp_table import send_each_once_read

__all__ = ["RECEIVE_BUFFER", "SEND_BUFFER", "STEP_TIMEOUT", "once_client", "resetting_client", "silent_client"]

#: Seconds any step of a client waits (connect, recv).
STEP_TIMEOUT = 2.0

#: SO_SNDBUF the check sets on the student's listener (Linux doubles it, and then a
#: send() takes at most about 32 KiB): far less than the 300 000-byte reply.
SEND_BUFFER = 16 * 1024

#: SO_RCVBUF the client asks for (the OS may give less: net.core.rmem_max), set before
#: connecting so the window can use it: the whole 300 000-byte reply fits unread.
RECEIVE_BUFFER = 1024 * 1024


def once_client(port: int, pieces: list[bytes], pause: float = 0.0) -> tuple[bytes, str | None]:
    """Send ``pieces``, half-close, and read until b''. Returns (reply, problem or None)."""
    reply = b""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
            sock.settimeout(STEP_TIMEOUT)
            sock.connect(("127.0.0.1", port))
            if pause:
                # The stimulus: pieces that arrive apart. Each waits, besides, until the server has
                # read the one before: on a loaded machine pieces sent apart can arrive together.
                send_each_once_read(sock, sock.sendall, pieces, STEP_TIMEOUT / 2, pause)
            else:
                for piece in pieces:
                    sock.sendall(piece)
            sock.shutdown(socket.SHUT_WR)
            while data := sock.recv(65536):
                reply += data
            return reply, None
    except ConnectionRefusedError:
        return reply, "the connection was refused"
    except TimeoutError:
        return reply, f"after {len(reply)} bytes of reply, no end of stream came within {STEP_TIMEOUT:g} s"
    except OSError as error:
        if isinstance(error, ConnectionError) or error.errno == errno.ENOTCONN:  # ENOTCONN: shutdown after RST
            return reply, f"the connection was reset after {len(reply)} bytes of reply"
        return reply, f"the client's call raised {describe_error(error)}"


@contextlib.contextmanager
def resetting_client(port: int) -> Iterator[None]:
    """Send a little, then reset (RST) the connection: linger on, with a time of 0."""
    with socket.create_connection(("127.0.0.1", port), timeout=STEP_TIMEOUT) as sock:
        sock.sendall(b"abc")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    yield


@contextlib.contextmanager
def silent_client(port: int) -> Iterator[None]:
    """Connect, and say nothing until the block ends."""
    with socket.create_connection(("127.0.0.1", port), timeout=STEP_TIMEOUT):
        yield

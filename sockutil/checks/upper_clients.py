"""The clients of notebook 08's check: each one built to fail one classic mistake of ``serve_upper``.

Why a module of their own: the check (``many_clients``) says what each
client proves and which hint its failure earns; this module only talks, and
says in a ``Reply`` what came back and how the conversation ended
("complete", "closed", "reset", "timeout", "refused"). Every call has a
timeout, so a broken server makes a case fail, never hang.
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading
import time
from typing import Callable

from ..names import LOOPBACK
from .server_under_test import ProgramUnderTest, Reply, ServerUnderTest, closed_within, describe_bytes, reset

try:
    import fcntl
    import termios
except ImportError:   # Windows: no queue sizes to read; a pause in the sends is taken as the stall
    fcntl = termios = None  # type: ignore[assignment]

__all__ = ["BIG", "PARTIAL", "REPLY_TIMEOUT", "after_reset", "big", "converse", "half_close", "quiesce",
           "read", "while_one_does_not_read", "with_small_send_buffer"]

#: Seconds any one reply may take to begin or to go on: loopback answers in microseconds.
REPLY_TIMEOUT = 2.0

#: The big message: 8 000 000 bytes of lines, far more than the kernel's buffers hold.
BIG = (b"x" * 99 + b"\n") * 80_000

#: Seconds the big client waits before it starts reading, and its receive
#: buffer in bytes: together they make sure the server's sends meet full buffers.
READ_LATE = 0.2
SMALL_RCVBUF = 16 * 1024

#: A send buffer small enough that the server's send() takes only part of what it
#: is given. Linux reports a socket writable only once a good part of its send
#: buffer is free, and lets one send() overshoot the buffer by a segment, so with
#: the usual (autotuned, megabytes) buffers a send() of a few kilobytes takes
#: everything. With this buffer, a send() of tens of kilobytes (a server that
#: reads 64 KiB at a time) takes part, and a server that forgets what send() did
#: not take is caught. (A server that sends 4 KiB at a time is not split even
#: then: on Linux its mistake cannot be seen.) Set on the listener for one case,
#: so that the next accepted socket inherits it; small buffers are slow, hence
#: a smaller message for that case.
SMALL_SNDBUF = 8192
PARTIAL = (b"y" * 99 + b"\n") * 2_000

def read(sock: socket.socket, nbytes: int, reply: bytearray) -> str:
    """Read until ``reply`` holds ``nbytes`` bytes; return how it ended."""
    try:
        while len(reply) < nbytes:
            data = sock.recv(65536)
            if not data:
                return "closed"
            reply += data
    except TimeoutError:
        return "timeout"
    except OSError:
        return "reset"
    return "complete"


def ending(ended: str) -> str:
    return {
        "closed": ", then your server closed the connection",
        "reset": ", then your server reset the connection",
        "timeout": f", then nothing more for {REPLY_TIMEOUT:g} s",
    }.get(ended, "")


def converse(port: int, steps: list[tuple[bytes, int]]) -> Reply:
    """For each (data, n) of ``steps``: send data, then read until n more bytes have arrived."""
    reply = bytearray()
    try:
        with socket.create_connection((LOOPBACK, port), timeout=REPLY_TIMEOUT) as sock:
            wanted = 0
            for data, nbytes in steps:
                sock.sendall(data)
                wanted += nbytes
                ended = read(sock, wanted, reply)
                if ended != "complete":
                    break
            else:
                ended = "complete"
    except OSError as error:
        return Reply(value=bytes(reply), ended="refused", words=f"the client got {type(error).__name__}")
    return Reply(value=bytes(reply), ended=ended, words=describe_bytes(bytes(reply), wanted) + ending(ended))


def half_close(port: int) -> Reply:
    """Send one line, shut down the sending side; the reply must come, then the end of stream."""
    reply = bytearray()
    with socket.create_connection((LOOPBACK, port), timeout=REPLY_TIMEOUT) as sock:
        sock.sendall(b"bye\n")
        sock.shutdown(socket.SHUT_WR)
        ended = read(sock, 1 << 20, reply)  # more than will ever come: read to the end
    if ended == "closed":
        return Reply(value=bytes(reply), ended="complete")
    words = f"got {bytes(reply)!r}" + (" and the connection stayed open" if ended == "timeout"
                                       else ending(ended))
    return Reply(value=bytes(reply), ended=ended, words=words)


def big(port: int, while_full: Callable[[], None], data: bytes = BIG) -> Reply:
    """Send ``data`` from a second thread, start reading late, read it all back.

    ``while_full()`` is called just before the reading starts, while the
    server's sends meet full buffers: the check looks at the server's sockets then.
    """
    reply = bytearray()
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SMALL_RCVBUF)  # before connect
        sock.settimeout(REPLY_TIMEOUT)
        sock.connect((LOOPBACK, port))
        sender = threading.Thread(target=send_quietly, args=(sock, data),
                                  name="sockutil-check:big-sender", daemon=True)
        sender.start()
        time.sleep(READ_LATE)  # a slow reader: the scenario, not a synchronisation
        while_full()
        ended = read(sock, len(data), reply)
        if ended != "complete":
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # wakes the sender
        sender.join(REPLY_TIMEOUT + 1)
    got = bytes(reply)
    if ended == "complete" and got != data.upper():
        words = f"{len(got):,} bytes came back, but not the same bytes in capitals".replace(",", " ")
    else:
        words = describe_bytes(got, len(data)) + ending(ended)
    return Reply(value=got, ended=ended, words=words)


def with_small_send_buffer(server: ServerUnderTest | ProgramUnderTest, talk: Callable[[], Reply]) -> Reply:
    """Run ``talk`` while the listener hands out sockets with a small send buffer.

    A program's listener is its own, out of the kit's reach: its case runs with the usual buffers.
    """
    if server.listener is None:
        return talk()
    with contextlib.suppress(OSError):   # a listener the student's code closed: the client will say so
        server.listener.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SMALL_SNDBUF)
    return talk()


def send_quietly(sock: socket.socket, data: bytes) -> None:
    try:
        sock.sendall(data)
    except OSError:
        pass  # the server closed or reset: the reading side says so


def after_reset(port: int) -> Reply:
    """One client talks, then resets (RST); then a second client must be served."""
    with socket.create_connection((LOOPBACK, port), timeout=REPLY_TIMEOUT) as sock:
        sock.sendall(b"abc\n")
        read(sock, 4, bytearray())  # the server is now waiting for more: the reset hits its recv()
        reset(sock)
    return converse(port, [(b"hello\n", 6)])


#: Seconds the last client before the stop waits for the server to close its
#: connection. A server that is right closes it within milliseconds; this is
#: long, so that a loaded machine never makes the check set stop while that
#: client's end is still to be dealt with (see ``quiesce``).
QUIESCE_TIMEOUT = 5.0


def quiesce(port: int) -> bool | None:
    """One last client talks, closes its side, and waits (bounded) until the server has closed it too.

    Why: a server whose loop waits for its sockets' events with no timeout
    still looks at ``stop`` if some event comes soon after it is set (another
    client's end of stream, late). Once this client's end has been dealt
    with, so has every earlier client's, and the only client left is the
    silent one: such a server then waits, and the stop that follows catches it
    on every run. Returns True once the server has closed (or reset) this
    client; False if it had not within ``QUIESCE_TIMEOUT``, so that an event
    may still wake it after stop is set; None if the client could not connect.
    """
    try:
        sock = socket.create_connection((LOOPBACK, port), timeout=REPLY_TIMEOUT)
    except OSError:
        return None  # the stop case says what is wrong
    with sock:
        deadline = time.monotonic() + QUIESCE_TIMEOUT
        sock.settimeout(QUIESCE_TIMEOUT)
        try:
            sock.sendall(b"last\n")
        except OSError:
            return True  # reset: the server is done with it
        ended = read(sock, 5, bytearray())
        if ended == "timeout":
            return False
        if ended == "complete":
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_WR)
            return closed_within(sock, max(0.0, deadline - time.monotonic()))
        return True  # the server closed or reset it


#: The client that does not read: bytes it may send at most (far more than the buffers on
#: its way hold), seconds its sends must stay blocked before the check looks at the server,
#: and seconds in all it may take. Both buffers of that client, and the server's, are small
#: (``STALL_BUFFER``), so a server that blocks sending to it stops reading from it after a
#: few hundred kilobytes, and stays stopped.
STALL_CAP = 1_000_000
STALL_WAIT = 0.3
STALL_DEADLINE = 2.0
STALL_BUFFER = 32 * 1024


def while_one_does_not_read(server: ServerUnderTest | ProgramUnderTest, port: int) -> Reply:
    """A client sends much and reads nothing back; meanwhile another client must be served."""
    if server.listener is not None:   # the next accepted socket inherits small buffers
        with contextlib.suppress(OSError):
            for option in (socket.SO_SNDBUF, socket.SO_RCVBUF):
                server.listener.setsockopt(socket.SOL_SOCKET, option, STALL_BUFFER)
    hog = socket.socket()
    try:
        for option in (socket.SO_SNDBUF, socket.SO_RCVBUF):   # before connect
            hog.setsockopt(socket.SOL_SOCKET, option, STALL_BUFFER)
        hog.settimeout(REPLY_TIMEOUT)
        hog.connect((LOOPBACK, port))
        _send_until_stalled(hog)
        return converse(port, [(b"hello\n", 6)])
    except OSError as error:
        return Reply(value=b"", ended="refused", words=f"the client got {type(error).__name__}")
    finally:
        reset(hog)   # wakes a server blocked sending to it


def _queued(sock: socket.socket) -> tuple[int, int]:
    """Bytes in ``sock``'s receive queue and in its send queue (Linux's SIOCINQ and SIOCOUTQ)."""
    if fcntl is None:
        return 0, 0
    try:
        inq = struct.unpack("i", fcntl.ioctl(sock.fileno(), termios.FIONREAD, b"\0" * 4))[0]
        outq = struct.unpack("i", fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0" * 4))[0]
    except OSError:
        return 0, 0
    return inq, outq


def _send_until_stalled(sock: socket.socket) -> None:
    """Send lower-case lines, never reading, until nothing moves either way (or enough went).

    Why "nothing moves": a send that blocks for a while only says the server
    is not reading now; flow control on loopback makes such pauses while the
    windows grow. Once the server is stuck sending to this client, the bytes
    queued on this side, coming and going, stay the same.
    """
    chunk = (b"z" * 99 + b"\n") * 640
    deadline = time.monotonic() + STALL_DEADLINE
    sock.setblocking(False)
    sent = 0
    try:
        while sent < STALL_CAP and time.monotonic() < deadline:
            try:
                sent += sock.send(chunk)
            except BlockingIOError:
                before = _queued(sock)
                if not select.select([], [sock], [], STALL_WAIT)[1] and _queued(sock) == before:
                    return
    finally:
        sock.settimeout(REPLY_TIMEOUT)

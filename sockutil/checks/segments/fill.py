"""The check of notebook 07's ``fill_send_buffer(sock) -> int``.

The student's function makes ``sock`` non-blocking and calls ``send`` until
it raises ``BlockingIOError``, adding up what each call took. The check runs
it on real loopback connections whose peer never reads, then closes the
connection and counts what the peer receives: the two numbers must agree.

Why these cases: the buffers are set small (and before connecting, so that
Linux does not grow them), which keeps each case to some hundred kilobytes.
A right solution therefore finishes in milliseconds however it cuts its
sends, even one byte per call. With the smaller buffers ``send`` takes only
part of a 64 KiB chunk, so a count of the bytes *offered* instead of the
bytes *taken* shows.

The socket the student gets is a ``socket.socket`` subclass that notes each
``send``: what it was offered, what it took, whether it raised
``BlockingIOError``, whether a call is waiting right now. So the hint follows
the cause: stuck inside ``send`` (a blocking socket), still making progress
when stopped (right but slow), calling on after ``BlockingIOError``, counting
``len(chunk)``, using ``sendall``.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import time
from typing import Callable

from .. import Outcome, Report, Watch, attempt, short
from ..interrupt import Interruptible

__all__ = ["check_fill_send_buffer"]

#: Seconds a call may take. A right solution needs milliseconds here, even
#: with 1-byte sends (some 80 000 calls in the larger case).
DEADLINE = 3.0

#: The timeout of the socket the student gets: a blocking ``send`` on a full
#: buffer gives up after this long (a student who forgot ``setblocking(False)``
#: waits this long, once per case).
SOCKET_TIMEOUT = 1.0

#: Seconds without a byte taken that still count as "making progress" when the
#: deadline comes.
RECENT = 0.5

#: The cases: what they show, and the buffer size asked for on both sides
#: (Linux doubles the value for its bookkeeping). 32 KiB takes some 80 000
#: bytes; with 4 KiB a 64 KiB chunk is always taken only in part.
CASES = (
    ("with buffers of 32 KiB: returns, the buffers are full, and the count is exact", 32768),
    ("with buffers of 4 KiB, where send() takes only part of a chunk: the count is exact", 4096),
)


class _NotingSocket(socket.socket):
    """A TCP socket that notes what each ``send`` was offered and took; a real socket otherwise."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.offered = self.taken = self.sends = self.sendalls = 0
        self.refused_in_a_row = 0
        self.sending = False
        self.last_taken = time.perf_counter()

    def send(self, data, flags: int = 0) -> int:
        self.sending = True
        try:
            count = super().send(data, flags)
        except BlockingIOError:
            self.refused_in_a_row += 1
            raise
        finally:
            self.sending = False
        self.sends += 1
        self.offered += memoryview(data).nbytes
        self.taken += count
        self.refused_in_a_row = 0
        if count:
            self.last_taken = time.perf_counter()
        return count

    def sendall(self, data, flags: int = 0) -> None:
        self.sendalls += 1
        return super().sendall(data, flags)


def _connected_pair(buffer_size: int) -> tuple[_NotingSocket, socket.socket]:
    """A loopback connection ``(client, peer)`` with small buffers; the peer will not read until told."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(2.0)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, buffer_size)  # the accepted socket's
        client = _NotingSocket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            client.settimeout(SOCKET_TIMEOUT)
            client.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, buffer_size)
            client.connect(listener.getsockname())
            peer, _ = listener.accept()
        except BaseException:
            client.close()
            raise
    peer.settimeout(5.0)
    return client, peer


def _drain(peer: socket.socket) -> int:
    """Read until the client's close arrives; return the number of bytes."""
    total = 0
    while chunk := peer.recv(1 << 20):
        total += len(chunk)
    return total


HINT_NON_BLOCKING = ("make the socket non-blocking: sock.setblocking(False) before the loop. A blocking "
                     "send() waits for room (here until the socket's timeout); a non-blocking one raises "
                     "BlockingIOError at once")
HINT_CATCH = ("catch BlockingIOError: it is how a non-blocking send() says 'full'. Stop there and "
              "return the total")
HINT_STOP = ("send() raised BlockingIOError again and again and your loop went on: the first "
             "BlockingIOError means the buffer is full. Stop there and return the total")
HINT_KEEP_GOING = "keep calling send() until it raises BlockingIOError: only then is the buffer full"
HINT_RETURN_INT = "return the total number of bytes that send() accepted, an int above 0"
HINT_OFFERED = ("add up what each send() returns, not len(chunk): send() may take only part of what "
                "you give it")
HINT_SENDALL = ("use send(), which returns how many bytes it took: sendall() on a non-blocking socket "
                "raises BlockingIOError without saying how many of its bytes went out")
HINT_SUM = "return the sum of what every send() call returned, and nothing else"
HINT_BYTES = ("send() takes bytes, not str: send bytes(65536) (or b'x' * 65536); a str would have to be "
              "encoded first")
HINT_ONLY_FULL = ("catch only BlockingIOError, which alone means 'full': a reset connection raises "
                  "ConnectionResetError (another OSError), and that is no full buffer; let it propagate")

#: The last case: the peer has reset the connection before the call.
RESET_CASE = "a connection the peer has reset: the ConnectionResetError propagates (a reset is not 'full')"


def _when_hung(seen: dict) -> str:
    """The hint for a call still running at the deadline, from what its socket saw then."""
    if seen["refused_in_a_row"] > 1:
        return HINT_STOP
    if seen["sending"] and seen["blocking"]:
        return HINT_NON_BLOCKING
    if seen["since_taken"] < RECENT and seen["taken"]:
        return (f"it was still sending when stopped ({seen['taken']} bytes in {seen['sends']} calls "
                f"so far): right, but slow. Send bigger chunks, say bytes(65536): send() takes what fits")
    return ("it did not return: once send() raises BlockingIOError, return the total; make sure "
            "every loop ends")


def _judge(fill: Callable, buffer_size: int) -> tuple[Outcome, str | None, str]:
    """Run one case; return its outcome, and what went wrong (None if nothing) with the hint."""
    client, peer = _connected_pair(buffer_size)
    call = Interruptible(fill)
    seen: dict = {}

    def on_hang() -> None:
        seen.update(sending=client.sending, blocking=client.gettimeout() != 0.0,
                    refused_in_a_row=client.refused_in_a_row, taken=client.taken,
                    sends=client.sends, since_taken=time.perf_counter() - client.last_taken)
        with contextlib.suppress(OSError):
            client.shutdown(socket.SHUT_RDWR)  # wakes a send waiting for room
        call.interrupt()  # and stops a loop that waits on nothing

    with peer:
        try:
            outcome = attempt(call, client, deadline=DEADLINE, on_hang=on_hang, name="fill_send_buffer")
            if outcome.hung:
                return outcome, f"fill_send_buffer(sock) {outcome.describe()}", _when_hung(seen)
            if outcome.error is not None:
                hint = (HINT_CATCH if outcome.raised(BlockingIOError)
                        else HINT_BYTES if outcome.raised(TypeError)
                        else HINT_NON_BLOCKING if outcome.raised(TimeoutError)
                        else HINT_SENDALL if client.sendalls else HINT_SUM)
                return outcome, f"fill_send_buffer(sock) {outcome.describe()}", hint
            count = outcome.value
            if isinstance(count, bool) or not isinstance(count, int) or count <= 0:
                hint = HINT_SENDALL if client.sendalls and count == 0 else HINT_RETURN_INT
                return outcome, f"fill_send_buffer(sock) returned {short(count)}", hint
            if client.gettimeout() != 0.0:
                # Why: a blocking send with a timeout also stops (TimeoutError, an
                # OSError) and may even count right, but only after waiting.
                return (outcome, "fill_send_buffer(sock) left the socket blocking: it waited for room "
                        "instead of being told at once that there is none", HINT_NON_BLOCKING)
            # Stopped without being told "full" (its last send() did not raise
            # BlockingIOError): is there room left? Only then, because after a
            # BlockingIOError the kernel may still free room (ACKs in flight, on a
            # loaded machine), and a student who stopped there was right to.
            if not client.refused_in_a_row:
                with contextlib.suppress(OSError):  # BlockingIOError: full after all
                    if client.send(b"x" * 1024):
                        return (outcome, "when fill_send_buffer returned, send() could still take more bytes",
                                HINT_KEEP_GOING)
        finally:
            client.close()  # the peer gets every byte the kernel took, then the end of the stream
        received = _drain(peer)
    if count == received:
        return outcome, None, ""
    hint = (HINT_SENDALL if client.sendalls
            else HINT_OFFERED if count == client.offered != client.taken
            else HINT_SUM)
    return outcome, f"your function counted {count} bytes, but the peer received {received}", hint


def _judge_reset(fill: Callable) -> tuple[Outcome, str | None, str]:
    """The peer resets the connection first (an abortive close): the error must not be taken for 'full'."""
    client, peer = _connected_pair(4096)
    peer.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    peer.close()   # RST: the client's next send() raises ConnectionResetError
    call = Interruptible(fill)
    try:
        outcome = attempt(call, client, deadline=DEADLINE, on_hang=call.interrupt, name="fill_send_buffer")
    finally:
        client.close()
    if outcome.raised(ConnectionResetError, BrokenPipeError):
        return outcome, None, ""
    if outcome.hung:
        return outcome, f"fill_send_buffer(sock) {outcome.describe()}", HINT_ONLY_FULL
    hint = HINT_BYTES if outcome.raised(TypeError) else HINT_ONLY_FULL
    return outcome, f"fill_send_buffer(sock) {outcome.describe()}", hint


def check_fill_send_buffer(fill_send_buffer: Callable[[socket.socket], int]) -> Report:
    """Check ``fill_send_buffer(sock) -> int`` on real connections whose peer does not read."""
    report = Report("fill_send_buffer")
    if report.unwritten(fill_send_buffer):
        return report
    with Watch(SOCKET_TIMEOUT):
        stuck = False
        for what, buffer_size in CASES:
            if stuck:  # it raised or hung once: a second wait teaches nothing new
                report.skip(what)
                continue
            outcome, problem, hint = _judge(fill_send_buffer, buffer_size)
            if outcome.raised(NotImplementedError):  # a stub its source did not reveal
                report.case(what, outcome, function="fill_send_buffer")
            else:
                report.check(problem is None, what if problem is None else f"{what}: {problem}", hint)
            stuck = not outcome.ok or report.stopped
        if stuck:
            report.skip(RESET_CASE)
        else:
            outcome, problem, hint = _judge_reset(fill_send_buffer)
            report.check(problem is None, RESET_CASE if problem is None else f"{RESET_CASE}: {problem}", hint)
    return report.finish()

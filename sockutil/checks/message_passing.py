"""Self-checks for notebook 01, Message passing.

The exercise: ``send_messages(sock, messages)`` and ``receive_messages(sock)``
carry a list of messages (any bytes, empty ones included) through a byte
stream and get the same list back. A stream keeps no boundaries, so the
student must choose a framing; the check does not care which, only that the
list comes back intact.

Why the sockets here are wrapped: on loopback a small ``recv`` nearly always
returns everything that was sent, so code that relies on luck passes. A real
network is not so kind. ``_ChoppySocket`` is a real socket (one end of a
``socket.socketpair()``) whose ``recv`` returns at most a few bytes at a time,
and whose ``send`` may take only a few bytes, both of which the real calls are
allowed to do. It also stops a receive loop that keeps calling ``recv`` after
the stream has ended (which would otherwise spin for ever), and every socket
has a timeout, so a check cannot hang.
"""

from __future__ import annotations

import random
import socket
import threading
from typing import Callable, Iterator, Sequence

from . import Report, default_timeout

__all__ = ["check_messages"]

SendMessages = Callable[[socket.socket, list], None]
ReceiveMessages = Callable[[socket.socket], list]

#: Seconds any socket call in the check may block: the data is all local, so
#: a wait this long means the code waits for something that will never come.
TIMEOUT = 2.0

#: How many times ``recv`` may return ``b""`` before the check stops the loop:
#: after the first one, the stream has ended and nothing more will ever come.
MAX_EMPTY_RECVS = 100


class EndlessLoopError(Exception):
    """Raised into the student's code when it keeps reading after the stream ended."""


class _ChoppySocket:
    """A real socket that gives or takes fewer bytes per call, as the real calls may.

    ``recv_sizes`` / ``send_sizes`` yield the most bytes each ``recv`` / ``send``
    moves (``None``: no limit). Everything not defined here goes to the real
    socket.
    """

    def __init__(
        self,
        sock: socket.socket,
        recv_sizes: Iterator[int] | None = None,
        send_sizes: Iterator[int] | None = None,
    ) -> None:
        self._sock = sock
        self._recv_sizes = recv_sizes
        self._send_sizes = send_sizes
        self._empty = 0

    def __getattr__(self, name: str):
        return getattr(self._sock, name)

    def __enter__(self) -> _ChoppySocket:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._sock.close()

    def __repr__(self) -> str:
        return f"<socket {self._sock.family.name}, {self._sock.type.name}>"

    def _limit(self, wanted: int, sizes: Iterator[int] | None) -> int:
        return wanted if sizes is None or wanted <= 0 else min(wanted, next(sizes))

    def _count_empty(self, got: int) -> None:
        if got:
            return
        self._empty += 1
        if self._empty >= MAX_EMPTY_RECVS:
            raise EndlessLoopError(
                f"recv() returned b'' {MAX_EMPTY_RECVS} times: the stream had ended, "
                f"but your loop kept reading"
            )

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        data = self._sock.recv(self._limit(bufsize, self._recv_sizes), flags)
        self._count_empty(len(data))
        return data

    def recv_into(self, buffer, nbytes: int = 0, flags: int = 0) -> int:
        wanted = nbytes or len(buffer)
        got = self._sock.recv_into(buffer, self._limit(wanted, self._recv_sizes), flags)
        self._count_empty(got)
        return got

    def send(self, data: bytes, flags: int = 0) -> int:
        view = memoryview(data)
        return self._sock.send(view[: self._limit(len(view), self._send_sizes)], flags)


def _sizes(rng: random.Random, low: int, high: int) -> Iterator[int]:
    while True:
        yield rng.randint(low, high)


def _ones() -> Iterator[int]:
    while True:
        yield 1


def _name(error: BaseException) -> str:
    """``TimeoutError``, ``struct.error``: the name a student would look up."""
    kind = type(error)
    if kind.__module__ == "builtins" or kind.__module__.startswith("sockutil"):
        return kind.__qualname__
    return f"{kind.__module__}.{kind.__qualname__}"


class _StudentError(Exception):
    """One of the student's two functions raised; the text says which and what."""

    def __init__(self, function: str, error: BaseException) -> None:
        self.error = error
        super().__init__(f"{function} raised {_name(error)}: {error}")


def _round_trip(
    send_messages: SendMessages,
    receive_messages: ReceiveMessages,
    messages: Sequence[bytes],
    recv_sizes: Iterator[int] | None = None,
    send_sizes: Iterator[int] | None = None,
) -> object:
    """Send ``messages`` with the student's sender on one end of a socket pair, in a
    thread; receive them with the student's receiver on the other; return what it got.

    The sender's end is closed when ``send_messages`` returns, so the receiver
    sees the end of the stream.
    """
    writer, reader = socket.socketpair()
    writer.settimeout(TIMEOUT)
    reader.settimeout(TIMEOUT)
    sender_errors: list[BaseException] = []

    def send() -> None:
        try:
            send_messages(_ChoppySocket(writer, send_sizes=send_sizes), list(messages))
        except BaseException as error:  # noqa: BLE001 - reported in words by the caller
            sender_errors.append(error)
        finally:
            writer.close()

    thread = threading.Thread(target=send, name="check-messages-sender", daemon=True)
    thread.start()
    receive_error: Exception | None = None
    got: object = None
    try:
        got = receive_messages(_ChoppySocket(reader, recv_sizes=recv_sizes))
    except Exception as error:  # noqa: BLE001 - the student's error, reported in words
        receive_error = error
    finally:
        reader.close()  # wakes a sender still blocked in send
        thread.join(TIMEOUT)
    send_error = sender_errors[0] if sender_errors else None
    # Blame the sender first, unless its error only echoes the reader giving
    # up early: closing the reading end breaks the sender's connection.
    if send_error is not None and not isinstance(send_error, OSError):
        raise _StudentError("send_messages", send_error)
    if receive_error is not None:
        raise _StudentError("receive_messages", receive_error)
    if send_error is not None and got == list(messages):
        raise _StudentError("send_messages", send_error)
    return got


def check_messages(send_messages: SendMessages, receive_messages: ReceiveMessages) -> None:
    """Check the framing exercise of notebook 01 on a real socket pair, with hostile chunking."""
    report = Report("messages")
    rng = random.Random(650)  # seeded: the same "random" chunking on every run
    big = bytes(range(256)) * 800  # 204 800 bytes, every byte value
    cases = [
        ("three short messages come back as three messages",
         [b"hello", b"message", b"passing"], None, None,
         "send a header or marker with each message, and cut the stream at it when reading"),
        ("the same, when every recv() returns just 1 byte",
         [b"hello", b"message", b"passing"], _ones(), None,
         "recv() may return fewer bytes than you asked for: keep the bytes that "
         "arrived and call it again until a whole message is there"),
        ("the same, when recv() returns 1 to 7 bytes at random",
         [b"byte", b"streams", b"keep", b"no", b"boundaries"], _sizes(rng, 1, 7), None,
         "a header can be cut in two as well: collect all of its bytes before you decode it"),
        ("empty messages, newlines and zero bytes are kept",
         [b"", b"two\nlines", b"\x00\x01\x02", b"", "héllo wörld".encode()], _sizes(rng, 1, 5),
         None,
         "a message may contain any byte, so a newline cannot mark its end; "
         "send each message's length before it"),
        ("a 204 800-byte message between two small ones",
         [b"before", big, b"after"], _sizes(rng, 1, 5000), None,
         "read until you have as many bytes as the header announced"),
        ("no messages at all: receive_messages returns []",
         [], None, None,
         "stop when recv() returns b'': the sender has closed and no more will come"),
        ("a send() that takes only 1 to 3 bytes per call loses nothing",
         [b"sendall", b"sends", b"every byte"], None, _sizes(rng, 1, 3),
         "send() may take fewer bytes than you give it and returns how many it took; "
         "use sendall(), which loops for you"),
    ]
    with default_timeout(TIMEOUT):
        for what, messages, recv_sizes, send_sizes, hint in cases:
            try:
                got = _round_trip(send_messages, receive_messages, messages, recv_sizes, send_sizes)
            except _StudentError as error:
                if isinstance(error.error, EndlessLoopError):
                    hint = "when recv() returns b'', the sender has closed: stop reading"
                elif isinstance(error.error, TimeoutError):
                    hint = "a recv() waited for bytes that never came; " + hint
                report.check(False, f"{what}: {error}", hint)
                continue
            if isinstance(got, tuple):
                got = list(got)
            if got == messages:
                report.check(True, what)
            else:
                shown = repr(got)
                if len(shown) > 60:
                    shown = shown[:57] + "..."
                report.check(False, f"{what}: got {shown}", hint)
    report.finish()

"""Self-checks for notebook 01, Message passing: ``send_messages`` and ``receive_messages``.

The exercise: ``send_messages(sock, messages)`` and ``receive_messages(sock)``
carry a list of messages (any bytes, empty ones included) through a byte
stream and get the same list back. A stream keeps no boundaries, so the
student must choose a framing; the check does not care which, only that the
list comes back intact.

Why the sockets here are wrapped: on loopback a small ``recv`` nearly always
returns everything that was sent, so code that relies on luck passes. A real
network is not so kind. ``_ChoppySocket`` is a real socket (one end of a
``socket.socketpair()``) whose ``recv`` returns at most a few bytes at a
time, and whose ``send`` may take only a few bytes, both of which the real
calls are allowed to do. It also notices two mistakes as they happen, so the
hint can name them: a sender that calls ``send`` and drops the bytes it did
not take, and a receiver that keeps calling ``recv`` after the stream has
ended (stopped with ``EndlessLoopError`` instead of spinning for ever).

The sender runs in a thread of the kit's, the receiver through ``attempt``
with a deadline; the check's sockets are the kit's, so ``Watch`` blames the
student only for sockets of their own.
"""

from __future__ import annotations

import contextlib
import random
import socket
import struct
import threading
from typing import Callable, Iterator, NamedTuple, Sequence

from ..exercise_guard import guarded
from . import Hint, Outcome, Report, Watch, always, attempt, hung, raised

__all__ = ["EndlessLoopError", "check_messages"]

SendMessages = Callable[[socket.socket, list], None]
ReceiveMessages = Callable[[socket.socket], list]

#: Seconds one round trip may take: the data is all local and takes
#: milliseconds, so a wait this long means the code waits for something that
#: will never come.
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
    socket. ``lost`` becomes True when ``send`` took part of some bytes and the
    next ``send`` (or the end) did not offer the rest: those bytes are gone.
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
        self._rest = b""  # what the last send() did not take
        self.lost = False

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
        view = memoryview(data).cast("B")
        if self._rest and bytes(view[: len(self._rest)]) != self._rest:
            self.lost = True  # the rest of the last send was never offered again
        taken = self._sock.send(view[: self._limit(len(view), self._send_sizes)], flags)
        self._rest = bytes(view[taken:])
        return taken

    def sendall(self, data: bytes, flags: int = 0) -> None:
        if self._rest:
            self.lost = True
            self._rest = b""
        self._sock.sendall(data, flags)

    def finished(self) -> None:
        """The sender has returned: bytes ``send`` did not take are lost for good."""
        if self._rest:
            self.lost = True


def _sizes(rng: random.Random, low: int, high: int) -> Iterator[int]:
    while True:
        yield rng.randint(low, high)


def _always(size: int) -> Iterator[int]:
    while True:
        yield size


class _RoundTrip:
    """What happened to one list of messages: the sender's outcome, and the receiver's."""

    def __init__(self, sender: Outcome | None, receiver: Outcome, lost: bool) -> None:
        self.sender = sender
        self.receiver = receiver
        self.lost = lost

    def outcome(self) -> Outcome:
        """The outcome to judge: the sender's if it failed on its own, else the receiver's.

        A sender's ``OSError`` usually only echoes the receiver giving up
        early (closing the reading end breaks the sender's connection), so it
        is blamed only when the receiver did its part.
        """
        sender, receiver = self.sender, self.receiver
        if sender is not None and not sender.ok and not sender.raised(OSError):
            sender.note = "send_messages"
            return sender
        if sender is not None and not sender.ok and receiver.ok:
            sender.note = "send_messages"
            return sender
        receiver.note = "receive_messages"
        return receiver


def _round_trip(
    send_messages: SendMessages,
    receive_messages: ReceiveMessages,
    messages: Sequence[bytes],
    recv_sizes: Iterator[int] | None = None,
    send_sizes: Iterator[int] | None = None,
    sender_first: bool = False,
) -> _RoundTrip:
    """Send ``messages`` with the student's sender on one end of a socket pair, in a
    thread; receive them with the student's receiver on the other, with a deadline.

    The sender's end is closed when ``send_messages`` returns, so the receiver
    sees the end of the stream; the reader's end is shut down if the receiver
    is still waiting at the deadline. With ``sender_first`` the receiver starts
    only once the sender has returned (the messages must be few and small
    enough to wait in the socket's buffer): its first ``recv`` then returns
    every message at once, every time.
    """
    writer, reader = socket.socketpair()
    writer.settimeout(TIMEOUT)
    reader.settimeout(TIMEOUT)
    choppy_writer = _ChoppySocket(writer, send_sizes=send_sizes)
    sent: list[Outcome] = []

    def send() -> None:
        try:
            sent.append(attempt(send_messages, choppy_writer, list(messages)))
            choppy_writer.finished()
        finally:
            writer.close()

    def wake() -> None:
        with contextlib.suppress(OSError):
            reader.shutdown(socket.SHUT_RDWR)

    thread = threading.Thread(target=send, name="sockutil-check:messages-sender", daemon=True)
    with reader:
        thread.start()
        if sender_first:
            thread.join(TIMEOUT)
        received = attempt(receive_messages, _ChoppySocket(reader, recv_sizes=recv_sizes),
                           deadline=TIMEOUT, on_hang=wake, name="messages-receiver")
    thread.join(TIMEOUT)  # closing the reader above wakes a sender still blocked in send
    return _RoundTrip(sent[0] if sent else None, received, choppy_writer.lost)


class _Case(NamedTuple):
    """One list of messages and how the check's sockets treat it."""

    what: str
    messages: list[bytes]
    recv_sizes: Iterator[int] | None = None  # most bytes per recv(); None: no limit
    send_sizes: Iterator[int] | None = None  # most bytes per send(); None: no limit
    sender_first: bool = False  # receive only once the sender has returned
    default: str = ""  # the hint when no cause is recognised


def _same(got: object, expected: list[bytes]) -> bool:
    return isinstance(got, (list, tuple)) and list(got) == expected


def _hints(trip: _RoundTrip, messages: list[bytes], default: str) -> list[Hint]:
    """Hints for one case, in order, chosen by what went wrong."""

    def lost(outcome: Outcome) -> bool:
        return trip.lost

    def received(outcome: Outcome) -> list | None:
        value = outcome.value
        return list(value) if outcome.ok and isinstance(value, (list, tuple)) else None

    def not_bytes(outcome: Outcome) -> bool:
        got = received(outcome)
        return got is not None and any(not isinstance(m, (bytes, bytearray)) for m in got)

    def split_at_newlines(outcome: Outcome) -> bool:
        """The messages came back cut at newlines: the framing is a newline."""
        got = received(outcome)
        return (got is not None and not not_bytes(outcome) and got != messages
                and any(b"\n" in message for message in messages)
                and b"\n".join(got) == b"\n".join(messages))

    def boundaries_lost(outcome: Outcome) -> bool:
        """Every byte arrived, but cut into other messages: there is no framing."""
        got = received(outcome)
        return (got is not None and not not_bytes(outcome) and got != messages
                and b"".join(got) == b"".join(messages))

    def first_ones_only(outcome: Outcome) -> bool:
        """The first messages are right, the rest are missing."""
        got = received(outcome)
        return got is not None and 0 < len(got) < len(messages) and got == messages[: len(got)]

    def nothing_back(outcome: Outcome) -> bool:
        """Messages were sent and every byte went, yet none came back."""
        return received(outcome) == [] and bool(messages) and not trip.lost

    def longer(outcome: Outcome) -> bool:
        """The first wrong message is longer than the one sent: it took bytes of the next."""
        got = received(outcome)
        if got is None or not_bytes(outcome):
            return False
        wrong = [i for i, (m, want) in enumerate(zip(got, messages)) if m != want]
        return bool(wrong) and len(got[wrong[0]]) > len(messages[wrong[0]])

    def cut_short(outcome: Outcome) -> bool:
        """The first wrong message is the start of the right one: its last bytes are missing."""
        got = received(outcome)
        if got is None or not_bytes(outcome):
            return False
        wrong = [i for i, (m, want) in enumerate(zip(got, messages)) if m != want]
        return bool(wrong) and messages[wrong[0]].startswith(got[wrong[0]])

    return [
        Hint(lost, "send() may take fewer bytes than you give it and returns how many it took; "
                   "the rest is lost unless you send it again: use sendall(), which loops for you"),
        Hint(raised(EndlessLoopError),
             "when recv() returns b'', the sender has closed and nothing more will come: stop reading"),
        Hint(raised(UnicodeError), "a message is bytes, not text: keep it as bytes, do not decode it"),
        Hint(not_bytes, "return the messages as bytes, as they were sent: do not decode them"),
        Hint(split_at_newlines,
             "a message may contain any byte, newlines too, and may be empty, so a newline "
             "cannot mark its end; send each message's length before it"),
        Hint(lambda outcome: bool(messages) and messages[-1] == b"" and received(outcome) == messages[:-1],
             "the last message, an empty one, went missing: a message may be empty, and its header "
             "alone is a whole message (cut while len(buffer) >= 4, not > 4)"),
        Hint(boundaries_lost,
             "a byte stream keeps no boundaries: send a header (the message's length) or a "
             "marker with each message, and cut the stream at it when reading"),
        Hint(lambda outcome: outcome.raised(struct.error) and "format requires" in str(outcome.error),
             "your length header is too small for this message: '!H' holds at most 65535; use 4 "
             "bytes, '!I'"),
        Hint(nothing_back,
             "every message was sent, yet none came back: pack and unpack the length with the same "
             "format on both sides ('!I', network byte order), and remember that an empty message "
             "is a message too (the end of the stream is recv() returning b'', not an empty message)"),
        Hint(longer,
             "a message came back longer than it was sent: ask recv() only for what is still missing, "
             "recv(length - len(body)), or the next message's bytes join this one"),
        Hint(first_ones_only,
             "one recv() can bring several messages at once: after each recv(), cut off every "
             "whole message in your buffer (a while loop), not just the first one"),
        Hint(lambda outcome: outcome.raised(struct.error) or cut_short(outcome),
             "recv() may return fewer bytes than you asked for, even for a 4-byte header: keep "
             "the bytes that arrived and call it again until the whole header, then the whole "
             "message, is there"),
        Hint(lambda outcome: hung(outcome) or outcome.raised(TimeoutError),
             "a recv() waited for bytes that never came: stop when recv() returns b'' "
             "(the sender has closed), and never wait for more than a header announced"),
        Hint(always, default),
    ]


@guarded("messages")   # the kit's own version of messages is refused (sockutil/exercise_guard.py)
def check_messages(send_messages: SendMessages, receive_messages: ReceiveMessages) -> Report:
    """Check the framing exercise of notebook 01 on a real socket pair, with hostile chunking."""
    report = Report("messages")
    if report.unwritten(send_messages, receive_messages):
        return report
    rng = random.Random(650)  # seeded: the same "random" chunking on every run
    big = bytes(range(256)) * 800  # 204 800 bytes, every byte value
    three = [b"hello", b"message", b"passing"]
    cases = [
        _Case("three short messages, all sent before receive_messages starts",
              three, sender_first=True,
              default="send a header or marker with each message, and cut the stream at it when reading"),
        _Case("the same, when every recv() returns just 1 byte", three, recv_sizes=_always(1),
              default="recv() may return fewer bytes than you asked for: keep the bytes that "
                      "arrived and call it again until a whole message is there"),
        _Case("the same, when recv() returns 1 to 7 bytes at random",
              [b"byte", b"streams", b"keep", b"no", b"boundaries"], recv_sizes=_sizes(rng, 1, 7),
              default="a header can be cut in two as well: collect all of its bytes before you decode it"),
        _Case("empty messages, newlines and zero bytes are kept",
              [b"", b"two\nlines", b"\x00\x01\x02", b"", "héllo wörld".encode(), b""],
              recv_sizes=_sizes(rng, 1, 5),
              default="a message may contain any byte and may be empty; send each message's length before it"),
        _Case("a 204 800-byte message between two small ones", [b"before", big, b"after"],
              recv_sizes=_sizes(rng, 1, 5000),
              default="read until you have as many bytes as the header announced"),
        _Case("no messages at all: receive_messages returns []", [],
              default="with no messages, send nothing; stop when recv() returns b'' and return []"),
        _Case("a send() that takes only 1 to 3 bytes per call loses nothing",
              [b"sendall", b"sends", b"every byte"], send_sizes=_sizes(rng, 1, 3),
              default="use sendall(), which sends every byte"),
        # Every byte waits in the socket and no recv() returns more than 5: what each recv() returns
        # depends only on what the receiver asks for, the same on every run. A receiver that asks
        # for more than a message still needs (13 bytes, then 13 again after 5) takes the next one's.
        _Case("three messages of 13, 8 and 10 bytes, all sent first, at most 5 bytes per recv()",
              [b"a byte stream", b"keeps no", b"boundaries"], recv_sizes=_always(5), sender_first=True,
              default="collect exactly as many bytes as each header announces, no fewer and no more"),
    ]
    with Watch(TIMEOUT) as watch:
        stuck = False
        for case in cases:
            if stuck:  # one wait teaches what the next would: do not make the student wait again
                report.skip(case.what)
                continue
            trip = _round_trip(send_messages, receive_messages, case.messages,
                               case.recv_sizes, case.send_sizes, case.sender_first)
            outcome = trip.outcome()
            report.case(case.what, outcome, case.messages, _hints(trip, case.messages, case.default),
                        same=_same, function=outcome.note or "receive_messages")
            stuck = outcome.hung or report.stopped
        watch.close_all()  # the exercise needs no sockets of its own: none are left behind
    return report.finish()

"""A bench for checking a reader: a real loopback connection, fed piece by piece.

Why: a reader that assumes "one ``recv`` is one message" passes every test on
loopback that sends a short message in one piece: the bytes happen to arrive
together. To make a cut in the stream reach the reader *as a cut* (and not
glued to the next piece by timing luck), the bench sends one piece, waits
until the reader has taken every byte of it with ``recv``, and only then
sends the next. No sleeping: the reader's socket tells when it took bytes.

Theory of operation
-------------------
``ReaderBench.session(consume, pieces)`` connects two sockets on loopback.
The reader's end is a ``CountingSocket``: a real TCP socket that counts what
``recv`` and ``recv_into`` took, how often they returned ``b""`` (a reader
that keeps calling ``recv`` after the peer closed gets ``b""`` for ever), and
whether a ``recv`` is waiting right now. A kit thread (the feeder) sends the
pieces over the other end, each after the reader took the one before, then
half-closes it if asked (the reader sees ``b""``).

``consume(reader, sender, items)`` is the check's own code: it calls the
student's reader and appends what comes back to ``items``. It runs through
``attempt`` with a deadline, so whatever the student's code does, the session
returns a ``Reading``: an ``Outcome`` (with ``items`` kept even when an
exception or the deadline came later) plus what the socket saw. At the
deadline, ``on_hang`` shuts the reader's socket down, which wakes a waiting
``recv``, and interrupts a loop that waits on nothing. The feeder is joined
and both sockets are closed on every path.
"""

from __future__ import annotations

import contextlib
import queue
import random
import socket
import threading
import time
from dataclasses import dataclass, fields
from typing import Callable, Iterable

from .harness import KIT_THREAD_PREFIX, Outcome, attempt, describe_error, short
from .interrupt import Interruptible

__all__ = ["CountingSocket", "ReaderBench", "Reading", "cut", "describe_reading", "random_cuts"]

#: Seconds the reader's socket waits in ``recv`` before raising ``TimeoutError``:
#: long enough for loopback on a busy machine, short enough that a reader
#: waiting for data that will never come is caught quickly.
READER_TIMEOUT = 1.0

#: Seconds a reader may take for one session before it is stopped. A correct
#: reader needs milliseconds.
DEADLINE = 3.0

#: Seconds the feeder waits for the reader to take a piece before it sends the
#: rest without waiting (the reader has stopped reading: its outcome says why).
SYNC_WAIT = 1.0

#: Seconds the feeder's ``sendall`` may wait for room: a reader that stopped
#: reading must not keep the feeder, and so the check, waiting long.
SENDER_TIMEOUT = 2.0

_PEEK = getattr(socket, "MSG_PEEK", 0)


class CountingSocket(socket.socket):
    """A TCP socket that counts what ``recv`` and ``recv_into`` took; a real socket otherwise.

    ``taken``: bytes taken so far; ``empty_reads``: calls that returned ``b""``
    (asked for at least one byte); ``timeouts``: calls that raised
    ``TimeoutError``; ``reading``: a call is waiting right now.

    Why no lock: the reader's thread may be stopped by an asynchronous
    exception (``interrupt.py``) at any instruction, and one that lands inside
    a ``with lock:`` statement's entry leaves the lock held for ever, so that
    the check waits on it for ever. The reader's side therefore only sets
    attributes and puts a token into a ``SimpleQueue`` (a C call that takes no
    lock a Python exception can strand); the feeder waits on that queue.
    ``tests/test_reader_bench.py`` raises an exception at every instruction.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.taken = 0
        self.empty_reads = 0
        self.timeouts = 0
        self.reading = False
        self.released = False
        self._news: queue.SimpleQueue[None] = queue.SimpleQueue()   # a token per change, for wait_taken

    def _took(self, nbytes: int, asked: int) -> None:
        self.reading = False
        if nbytes == 0 and asked > 0:
            self.empty_reads += 1
        self.taken += nbytes
        self._news.put(None)

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        self.reading = True
        try:
            data = super().recv(bufsize, flags)
        except TimeoutError:
            self.timeouts += 1
            raise
        finally:
            self.reading = False
        if not flags & _PEEK:
            self._took(len(data), bufsize)
        return data

    def recv_into(self, buffer, nbytes: int = 0, flags: int = 0) -> int:
        self.reading = True
        try:
            count = super().recv_into(buffer, nbytes, flags)
        except TimeoutError:
            self.timeouts += 1
            raise
        finally:
            self.reading = False
        if not flags & _PEEK:
            self._took(count, nbytes or len(memoryview(buffer)))
        return count

    def wait_taken(self, total: int, timeout: float = SYNC_WAIT) -> bool:
        """Wait until the reader has taken ``total`` bytes; False if it took too long or the session ended.

        One waiter at a time (the feeder): each token wakes it to look again.
        """
        deadline = time.monotonic() + timeout
        while self.taken < total and not self.released:
            try:
                self._news.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                return False
        return self.taken >= total

    def release(self) -> None:
        """End every ``wait_taken``: the session is over."""
        self.released = True
        self._news.put(None)


@dataclass
class Reading(Outcome):
    """An ``Outcome`` of a session, with what the reader's socket saw.

    ``empty_reads`` and ``waiting`` are taken at the deadline if the reader
    was stopped there (before its socket was shut down), else at the end.
    """

    empty_reads: int = 0
    waiting: bool = False
    taken: int = 0
    timeouts: int = 0

    @property
    def swallowed_timeout(self) -> bool:
        """A ``recv`` of the reader raised ``TimeoutError``, and the reader carried on as if nothing had happened."""
        return self.timeouts > 0 and not self.raised(TimeoutError)

    @property
    def spinning(self) -> bool:
        """It was stopped while calling ``recv`` again and again after the peer had closed."""
        return self.hung and self.empty_reads > 1


Consume = Callable[[CountingSocket, socket.socket, list], None]


class ReaderBench:
    """A listener for one check run; each ``session`` is a fresh connection. Use as a context manager."""

    def __init__(self, reader_timeout: float | None = None, deadline: float | None = None) -> None:
        # The module's constants are read now, not at import, so that a test can shorten them.
        self.reader_timeout = READER_TIMEOUT if reader_timeout is None else reader_timeout
        self.deadline = DEADLINE if deadline is None else deadline
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(5.0)

    def __enter__(self) -> ReaderBench:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.listener.close()

    def session(
        self,
        consume: Consume,
        pieces: Iterable[bytes] = (),
        *,
        close: bool = True,
        deadline: float | None = None,
    ) -> Reading:
        """Run ``consume(reader, sender, items)`` while the pieces are sent; see the module's docstring.

        ``close`` half-closes the sender after the last piece. With
        ``close=False`` the stream just stops, and a reader that asks for
        more waits until its socket's timeout.
        """
        items: list = []
        seen: dict[str, object] = {}
        reader = CountingSocket(socket.AF_INET, socket.SOCK_STREAM)
        sender: socket.socket | None = None
        feeder: threading.Thread | None = None
        try:
            reader.settimeout(self.reader_timeout)
            reader.connect(self.listener.getsockname())
            sender, _ = self.listener.accept()
            sender.settimeout(SENDER_TIMEOUT)
            call = Interruptible(consume)

            def on_hang() -> None:
                seen.update(empty_reads=reader.empty_reads, waiting=reader.reading)
                with contextlib.suppress(OSError):
                    reader.shutdown(socket.SHUT_RDWR)  # wakes a waiting recv: it returns b""
                call.interrupt()  # and stops a loop that waits on nothing

            feeder = threading.Thread(
                target=_feed, args=(reader, sender, list(pieces), close),
                name=f"{KIT_THREAD_PREFIX}-check:feeder", daemon=True,
            )
            feeder.start()
            outcome = attempt(call, reader, sender, items,
                              deadline=self.deadline if deadline is None else deadline,
                              on_hang=on_hang, name="reader")
        finally:
            reader.release()
            if sender is not None:
                with contextlib.suppress(OSError):
                    sender.shutdown(socket.SHUT_RDWR)  # wakes the feeder if it waits for room
            if feeder is not None:
                feeder.join(SENDER_TIMEOUT + 1.0)
            reader.close()
            if sender is not None:
                sender.close()
        reading = Reading(**{f.name: getattr(outcome, f.name) for f in fields(Outcome)})
        reading.items = items
        if reading.ok:
            reading.value = items
        reading.empty_reads = int(seen.get("empty_reads", reader.empty_reads))  # type: ignore[arg-type]
        reading.waiting = bool(seen.get("waiting", False))
        reading.taken = reader.taken
        reading.timeouts = reader.timeouts
        return reading


def _feed(reader: CountingSocket, sender: socket.socket, pieces: list[bytes], close: bool) -> None:
    """Send each piece after the reader took the ones before; then half-close if asked."""
    sent, synced = 0, True
    try:
        for piece in pieces:
            if reader.released:
                return
            sender.sendall(piece)
            sent += len(piece)
            if synced:
                synced = reader.wait_taken(sent)
        if close and not reader.released:
            sender.shutdown(socket.SHUT_WR)
    except OSError:
        pass  # the reader stopped reading, or the session ended: its outcome tells why


def describe_reading(reading: Reading, verb: str = "yielded", show: Callable[[list], str] = short) -> str:
    """What the reader did, in words, keeping what it handed over before an error or the deadline."""
    shown = show(reading.items)
    if reading.hung:
        before = f" ({verb} {shown} before it was stopped)" if reading.items else ""
        return f"did not finish within {reading.deadline:g} s{before}"
    if reading.error is not None:
        error = describe_error(reading.error)
        return f"{verb} {shown}, then raised {error}" if reading.items else f"raised {error}"
    return f"{verb} {shown}"


# ------------------------------------------------------------------ cutting
def cut(data: bytes, sizes: Iterable[int]) -> list[bytes]:
    """``data`` in pieces of the given sizes (the rest in one last piece)."""
    pieces, start = [], 0
    for size in sizes:
        if start >= len(data):
            break
        pieces.append(data[start : start + size])
        start += size
    if start < len(data):
        pieces.append(data[start:])
    return pieces


def random_cuts(data: bytes, seed: int, largest: int = 64) -> list[bytes]:
    """``data`` cut at random (seeded: the same cuts on every run) into pieces of 1 to ``largest`` bytes."""
    rng = random.Random(seed)
    return cut(data, iter(lambda: rng.randint(1, largest), None))

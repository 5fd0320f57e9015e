"""Framing: cutting a byte stream into messages, without any sockets.

Theory of operation
-------------------
TCP delivers a stream of bytes, not messages: one ``send`` may arrive as
several ``recv`` results, and several ``send`` calls may arrive as one. A
protocol therefore marks where each message ends. Two common ways:

* **delimited** (lines): each message ends with ``b"\\n"``. Simple, readable
  with ``nc``; a message must not contain the delimiter.
* **length-prefixed**: each message starts with its length as a 4-byte
  unsigned big-endian integer (``struct.pack("!I", n)``, network byte order),
  then exactly that many bytes. Any bytes may appear in the body.

The decoders here are "sans-IO" (after h11): the caller owns the socket,
reads whatever ``recv`` returns, and hands the bytes over::

    decoder = LineDecoder()
    while True:
        data = sock.recv(4096)
        if not data:
            decoder.end_of_stream()   # raises if a message was cut off
            break
        for message in decoder.feed(data):
            handle(message)

Because the decoders never touch a socket, they can be tested by feeding one
byte at a time or random splits, and reused in threads, selectors or asyncio.

Limits protect the receiver: a length prefix larger than ``max_size`` raises
*before* any of the body is buffered (and a declared size is never allocated:
the body is buffered only as it arrives), and a line decoder raises as soon as
the bytes it holds can no longer become a line of at most ``max_size`` bytes.
So after every ``feed`` that returns, a decoder holds less than ``max_size``
plus its framing (the 4-byte header, or the delimiter), however the stream is
split. A multi-byte delimiter may straddle the limit: with ``max_size=5`` and
``b"\\r\\n"``, ``b"hello\\r"`` waits for its ``b"\\n"``, just as
``b"hello\\r\\n"`` in one piece gives ``b"hello"``. The encoders refuse what
their decoder would refuse, so the two agree.

Errors are sticky: once a stream is found malformed, the decoder refuses
further input, because nothing after the bad spot can be trusted to line up.
Messages decoded before the bad spot are never lost: ``feed`` attaches them
to the exception as ``.messages``.
"""

from __future__ import annotations

import struct
from typing import Iterable

from .exercise_guard import refuse
from .errors import (
    FramingError,
    IncompleteMessageError,
    MalformedFrameError,
    MessageTooLargeError,
)

__all__ = [
    "DEFAULT_MAX_SIZE",
    "LENGTH_HEADER",
    "encode_line",
    "encode_length_prefixed",
    "LineDecoder",
    "LengthPrefixDecoder",
]

#: 1 MiB: far above what a lesson sends, far below what would hurt a kernel.
DEFAULT_MAX_SIZE = 1 << 20

#: "!" = network byte order (big-endian), "I" = unsigned 32-bit integer.
LENGTH_HEADER = struct.Struct("!I")


def encode_line(
    message: bytes, delimiter: bytes = b"\n", max_size: int = DEFAULT_MAX_SIZE
) -> bytes:
    """Return ``message`` followed by ``delimiter``.

    Raises ``MalformedFrameError`` if the receiver would find the delimiter
    before the end of the message: where the message contains it, and also
    where a delimiter that overlaps itself would form across the message's
    end (``b"x\\n"`` with ``b"\\n\\n"`` reads as ``b"x"`` then a stray
    ``b"\\n"``). The receiver would otherwise see other messages than the
    one sent. Raises ``MessageTooLargeError`` for a message over
    ``max_size``, which a ``LineDecoder`` with the same limit would refuse.
    """
    refuse("encode_line")   # not for the student's own framing while its check runs
    if not delimiter:
        raise ValueError("the delimiter must not be empty")
    line = bytes(message) + delimiter
    if line.find(delimiter) != len(message):
        raise MalformedFrameError(
            f"a line message must not contain its delimiter {delimiter!r} (nor end with the "
            f"start of it, where the delimiter overlaps itself); use length-prefixed "
            f"framing for arbitrary bytes"
        )
    if len(message) > max_size:
        raise MessageTooLargeError(
            f"line of {len(message)} bytes is over the maximum of {max_size} bytes"
        )
    return line


def encode_length_prefixed(message: bytes, max_size: int = DEFAULT_MAX_SIZE) -> bytes:
    """Return the 4-byte big-endian length of ``message`` followed by the message."""
    refuse("encode_length_prefixed")   # not for the student's own framing while its check runs
    if len(message) > max_size:
        raise MessageTooLargeError(
            f"message of {len(message)} bytes is over the maximum of {max_size} bytes"
        )
    return LENGTH_HEADER.pack(len(message)) + bytes(message)


class _Decoder:
    """Shared plumbing: a buffer, a sticky error, and the feed loop."""

    def __init__(self, max_size: int = DEFAULT_MAX_SIZE) -> None:
        if max_size < 1:
            raise ValueError("max_size must be at least 1")
        self.max_size = max_size
        self._buffer = bytearray()
        self._error: FramingError | None = None

    @property
    def buffered(self) -> bytes:
        """Bytes received but not yet part of a whole message."""
        return bytes(self._buffer)

    def receive_data(self, data: bytes) -> None:
        """Add bytes from the stream. Never raises for bad framing; see ``next_message``."""
        refuse("LineDecoder" if isinstance(self, LineDecoder) else "LengthPrefixDecoder")  # not the student's reader
        if self._error is not None:
            raise FramingError(f"the stream was already found malformed: {self._error}")
        self._buffer += data

    def next_message(self) -> bytes | None:
        """Return the next whole message, or ``None`` if more bytes are needed."""
        if self._error is not None:
            raise self._error
        try:
            return self._next()
        except FramingError as error:
            self._error = error
            raise

    def feed(self, data: bytes) -> list[bytes]:
        """Add bytes and return every message they complete (maybe none)."""
        self.receive_data(data)
        messages: list[bytes] = []
        try:
            while (message := self.next_message()) is not None:
                messages.append(message)
        except FramingError as error:
            error.messages = messages
            raise
        return messages

    def feed_all(self, chunks: Iterable[bytes]) -> list[bytes]:
        """Feed several chunks, then check the stream ended cleanly."""
        messages: list[bytes] = []
        for chunk in chunks:
            messages.extend(self.feed(chunk))
        self.end_of_stream()
        return messages

    def end_of_stream(self) -> None:
        """Say the peer closed. Raises ``IncompleteMessageError`` if a message was cut off."""
        if self._buffer:
            raise IncompleteMessageError(
                f"the stream ended in the middle of a message: {len(self._buffer)} "
                f"bytes arrived without completing it (they are in .partial)",
                partial=bytes(self._buffer),
            )

    def _next(self) -> bytes | None:  # pragma: no cover - abstract
        raise NotImplementedError


class LineDecoder(_Decoder):
    """Cut a stream into messages that each end with ``delimiter`` (default ``b"\\n"``).

    The delimiter is removed from each message. ``max_size`` bounds one line,
    delimiter excluded: ``MessageTooLargeError`` comes as soon as no line of
    ``max_size`` bytes can come of the bytes held, whatever the split.
    """

    def __init__(self, max_size: int = DEFAULT_MAX_SIZE, delimiter: bytes = b"\n") -> None:
        super().__init__(max_size)
        if not delimiter:
            raise ValueError("the delimiter must not be empty")
        self.delimiter = delimiter
        self._searched = 0  # bytes already known to hold no delimiter

    def _next(self) -> bytes | None:
        start = max(0, self._searched - len(self.delimiter) + 1)
        end = self._buffer.find(self.delimiter, start)
        if end < 0:
            self._searched = len(self._buffer)
            if not self._line_can_still_fit():
                raise MessageTooLargeError(
                    f"no {self.delimiter!r} within {self.max_size} bytes: the line is "
                    f"over the maximum of {self.max_size} bytes"
                )
            return None
        if end > self.max_size:
            raise MessageTooLargeError(
                f"a line of {end} bytes is over the maximum of {self.max_size} bytes"
            )
        message = bytes(self._buffer[:end])
        del self._buffer[: end + len(self.delimiter)]
        self._searched = 0
        return message

    def _line_can_still_fit(self) -> bool:
        """Could more bytes still end the buffered line within ``max_size``?

        Called when the buffer holds no whole delimiter. A line of at most
        ``max_size`` bytes needs its delimiter to start at an index up to
        ``max_size``; past the buffer's end that is still possible only if the
        buffer ends with the delimiter's first bytes, starting there. Why not
        simply compare the length with ``max_size``: ``b"hello\\r"`` would then
        fail with ``max_size=5`` and ``b"\\r\\n"`` when it arrives in two
        pieces, yet pass when ``b"hello\\r\\n"`` arrives in one.
        """
        buffer, delimiter = self._buffer, self.delimiter
        if len(buffer) <= self.max_size:
            return True
        first = max(len(buffer) - len(delimiter) + 1, 0)
        return any(delimiter.startswith(buffer[i:]) for i in range(first, self.max_size + 1))


class LengthPrefixDecoder(_Decoder):
    """Cut a stream into messages that each start with a 4-byte big-endian length."""

    def _next(self) -> bytes | None:
        size = LENGTH_HEADER.size
        if len(self._buffer) < size:
            return None
        (length,) = LENGTH_HEADER.unpack_from(self._buffer)
        if length > self.max_size:
            # Checked before buffering the body: a hostile or broken peer that
            # declares 4 GB must not make us wait for (or store) 4 GB.
            raise MessageTooLargeError(
                f"declared length {length} is over the maximum of {self.max_size} bytes"
            )
        if len(self._buffer) < size + length:
            return None
        message = bytes(self._buffer[size : size + length])
        del self._buffer[: size + length]
        return message

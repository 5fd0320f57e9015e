"""Framing properties (hypothesis): any messages split anywhere come back whole; any bytes at all
give the messages a plain reference works out, or the documented error; a decoder never holds
more than its limit, and never allocates a declared size."""

from __future__ import annotations

import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sockutil.errors import (
    FramingError,
    IncompleteMessageError,
    MalformedFrameError,
    MessageTooLargeError,
)
from sockutil.framing import (
    DEFAULT_MAX_SIZE,
    LENGTH_HEADER,
    LengthPrefixDecoder,
    LineDecoder,
    encode_length_prefixed,
    encode_line,
)

# --- Properties (hypothesis): any messages, split anywhere; any bytes at all -----------------
#
# Bounded so the suite stays fast, with no deadline (a loaded CI machine must not flake), and
# no example database written into the work tree.

PROPERTIES = settings(max_examples=300, deadline=None, database=None)

#: Bytes drawn from a few values, so delimiters, their pieces and repeats turn up often.
SOME_BYTES = st.lists(st.sampled_from([b"a", b"\r", b"\n", b"\x00", b"\xff"]), max_size=14).map(b"".join)

#: Delimiters worth trying: the usual ones, one that overlaps itself, and any short one.
ANY_DELIMITER = st.sampled_from([b"\n", b"\r\n", b"\n\n", b"\r\n\r\n", b"aa"]) | st.binary(min_size=1, max_size=3)


def split_anywhere(data: st.DataObject, stream: bytes) -> list[bytes]:
    """Cut ``stream`` at drawn places, empty pieces included (``recv`` never returns one, a caller might)."""
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=8), label="cuts"))
    bounds = [0, *cuts, len(stream)]
    return [stream[a:b] for a, b in zip(bounds, bounds[1:])]


def expected_lines(stream: bytes, delimiter: bytes, max_size: int) -> tuple[list[bytes], type | None]:
    """What a line decoder must make of a whole stream, worked out without any buffering."""
    messages, rest = [], stream
    while (end := rest.find(delimiter)) >= 0:
        if end > max_size:
            return messages, MessageTooLargeError
        messages.append(rest[:end])
        rest = rest[end + len(delimiter) :]
    # No delimiter left: could more bytes still end a line of at most max_size here?
    could_fit = any(0 <= (rest + delimiter[j:]).find(delimiter) <= max_size for j in range(len(delimiter)))
    if not could_fit:
        return messages, MessageTooLargeError
    return messages, IncompleteMessageError if rest else None


def expected_frames(stream: bytes, max_size: int) -> tuple[list[bytes], type | None]:
    """What a length-prefix decoder must make of a whole stream, worked out without buffering."""
    messages, at = [], 0
    while len(stream) - at >= 4:
        length = int.from_bytes(stream[at : at + 4], "big")
        if length > max_size:
            return messages, MessageTooLargeError
        if len(stream) - at - 4 < length:
            return messages, IncompleteMessageError
        messages.append(stream[at + 4 : at + 4 + length])
        at += 4 + length
    return messages, IncompleteMessageError if at < len(stream) else None


def feed_watching_the_buffer(decoder, chunks: list[bytes], bound: int | None = None):
    """Feed every chunk, then end the stream; return every message decoded, and the error if any.

    After every feed that returns, check that the decoder holds at most ``bound`` bytes.
    """
    decoded: list[bytes] = []
    for chunk in chunks:
        try:
            decoded += decoder.feed(chunk)
        except FramingError as error:
            return decoded + error.messages, error
        assert bound is None or len(decoder.buffered) <= bound, (len(decoder.buffered), bound)
    try:
        decoder.end_of_stream()
    except FramingError as error:
        return decoded, error
    return decoded, None


@PROPERTIES
@given(messages=st.lists(SOME_BYTES, max_size=8), delimiter=ANY_DELIMITER, data=st.data())
def test_any_lines_split_anywhere_come_back_whole(messages, delimiter, data):
    max_size = data.draw(st.integers(1, 16), label="max_size")
    sendable = []
    for message in messages:
        try:
            sendable.append(encode_line(message, delimiter, max_size=max_size))
        except FramingError:
            continue  # the encoder refuses it; the agreement test checks the decoder would too
    stream = b"".join(sendable)
    decoder = LineDecoder(max_size, delimiter)
    bound = max_size + len(delimiter) - 1
    decoded, error = feed_watching_the_buffer(decoder, split_anywhere(data, stream), bound)
    assert error is None
    assert decoded == [line[: -len(delimiter)] for line in sendable]


@PROPERTIES
@given(messages=st.lists(st.binary(max_size=40), max_size=8), data=st.data())
def test_any_frames_split_anywhere_come_back_whole(messages, data):
    max_size = data.draw(st.integers(max([1, *map(len, messages)]), 64), label="max_size")
    stream = b"".join(encode_length_prefixed(m, max_size=max_size) for m in messages)
    bound = LENGTH_HEADER.size + max_size - 1
    decoded, error = feed_watching_the_buffer(LengthPrefixDecoder(max_size), split_anywhere(data, stream), bound)
    assert error is None and decoded == messages


@PROPERTIES
@given(stream=SOME_BYTES, delimiter=ANY_DELIMITER, max_size=st.integers(1, 6), data=st.data())
def test_any_bytes_give_the_lines_or_the_documented_error(stream, delimiter, max_size, data):
    decoder = LineDecoder(max_size, delimiter)
    bound = max_size + len(delimiter) - 1
    decoded, error = feed_watching_the_buffer(decoder, split_anywhere(data, stream), bound)
    messages, error_type = expected_lines(stream, delimiter, max_size)
    assert decoded == messages
    assert type(error) is error_type if error_type else error is None


#: Pieces of a length-prefixed stream: whole frames, headers declaring anything up to 2**32 - 1,
#: and loose bytes.
FRAME_PIECES = st.one_of(
    st.binary(max_size=12).map(lambda m: LENGTH_HEADER.pack(len(m)) + m),
    st.integers(0, 2**32 - 1).map(LENGTH_HEADER.pack),
    st.binary(max_size=6),
)


@PROPERTIES
@given(pieces=st.lists(FRAME_PIECES, max_size=6), max_size=st.integers(1, 16), data=st.data())
def test_any_bytes_give_the_frames_or_the_documented_error(pieces, max_size, data):
    stream = b"".join(pieces)
    bound = LENGTH_HEADER.size + max_size - 1
    decoded, error = feed_watching_the_buffer(LengthPrefixDecoder(max_size), split_anywhere(data, stream), bound)
    messages, error_type = expected_frames(stream, max_size)
    assert decoded == messages
    assert type(error) is error_type if error_type else error is None


@PROPERTIES
@given(message=SOME_BYTES, delimiter=ANY_DELIMITER, max_size=st.integers(1, 16))
def test_line_encoder_and_decoder_agree(message, delimiter, max_size):
    """What the encoder accepts decodes to itself; what it refuses, the decoder would get wrong or refuse."""
    try:
        encoded = encode_line(message, delimiter, max_size=max_size)
    except MessageTooLargeError:
        with pytest.raises(MessageTooLargeError):
            LineDecoder(max_size, delimiter).feed(message + delimiter)
    except MalformedFrameError:
        decoded, _ = feed_watching_the_buffer(LineDecoder(max_size, delimiter), [message + delimiter])
        assert decoded != [message]
    else:
        assert LineDecoder(max_size, delimiter).feed_all([encoded]) == [message]


@PROPERTIES
@given(message=st.binary(max_size=20), max_size=st.integers(1, 20))
def test_length_prefix_encoder_and_decoder_agree(message, max_size):
    raw = LENGTH_HEADER.pack(len(message)) + message
    if len(message) <= max_size:
        assert encode_length_prefixed(message, max_size=max_size) == raw
        assert LengthPrefixDecoder(max_size).feed_all([raw]) == [message]
    else:
        with pytest.raises(MessageTooLargeError):
            encode_length_prefixed(message, max_size=max_size)
        with pytest.raises(MessageTooLargeError):
            LengthPrefixDecoder(max_size).feed(raw)


# --- A declared size is never allocated ------------------------------------------------------


@pytest.mark.parametrize(
    "max_size, declared",
    [(1 << 30, 1 << 30), (1 << 30, (1 << 30) - 1), (DEFAULT_MAX_SIZE, 2**32 - 1)],
    ids=["1 GiB declared and allowed", "1 GiB - 1 declared", "4 GiB declared, over the maximum"],
)
def test_a_declared_length_is_never_allocated(max_size, declared):
    decoder = LengthPrefixDecoder(max_size)
    tracemalloc.start()
    try:
        try:
            assert decoder.feed(LENGTH_HEADER.pack(declared) + b"b" * 1000) == []
        except MessageTooLargeError:
            assert declared > max_size
        else:
            assert declared <= max_size
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20, f"{peak} bytes allocated for a {declared}-byte declaration"

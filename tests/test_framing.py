"""Framing is tested the way TCP delivers: one byte at a time, random splits, trailing data."""

from __future__ import annotations

import random
import struct

import pytest

from sockutil.errors import (
    FramingError,
    IncompleteMessageError,
    MalformedFrameError,
    MessageTooLargeError,
)
from sockutil.framing import (
    LENGTH_HEADER,
    LengthPrefixDecoder,
    LineDecoder,
    encode_length_prefixed,
    encode_line,
)

MESSAGES = [b"hello", b"", b"x" * 1000, "héllo wörld ✓".encode(), b"\x00\xff\r"]
LINES = [m for m in MESSAGES if b"\n" not in m]


def random_splits(data: bytes, rng: random.Random) -> list[bytes]:
    chunks, i = [], 0
    while i < len(data):
        n = rng.randint(1, 17)
        chunks.append(data[i : i + n])
        i += n
    return chunks


def one_byte_at_a_time(data: bytes) -> list[bytes]:
    return [data[i : i + 1] for i in range(len(data))]


@pytest.mark.parametrize(
    "decoder_class, encode, messages",
    [(LineDecoder, encode_line, LINES), (LengthPrefixDecoder, encode_length_prefixed, MESSAGES)],
)
class TestAnySplit:
    def test_one_byte_at_a_time(self, decoder_class, encode, messages):
        stream = b"".join(encode(m) for m in messages)
        assert decoder_class().feed_all(one_byte_at_a_time(stream)) == messages

    def test_random_splits(self, decoder_class, encode, messages):
        stream = b"".join(encode(m) for m in messages)
        for seed in range(200):
            chunks = random_splits(stream, random.Random(seed))
            assert decoder_class().feed_all(chunks) == messages, f"seed {seed}"

    def test_all_at_once(self, decoder_class, encode, messages):
        stream = b"".join(encode(m) for m in messages)
        assert decoder_class().feed(stream) == messages

    def test_trailing_partial_message_is_kept_not_lost(self, decoder_class, encode, messages):
        stream = b"".join(encode(m) for m in messages) + encode(b"tail")[:-1]
        decoder = decoder_class()
        assert decoder.feed(stream) == messages
        assert decoder.buffered == encode(b"tail")[:-1]
        with pytest.raises(IncompleteMessageError) as info:
            decoder.end_of_stream()
        assert info.value.partial == encode(b"tail")[:-1]
        # the rest of the message arrives after all: decoding goes on
        assert decoder.feed(encode(b"tail")[-1:]) == [b"tail"]
        decoder.end_of_stream()


class TestLineDecoder:
    def test_crlf_delimiter(self):
        decoder = LineDecoder(delimiter=b"\r\n")
        chunks = one_byte_at_a_time(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert [m for c in chunks for m in decoder.feed(c)] == [b"GET / HTTP/1.1", b"Host: x", b""]

    def test_line_over_maximum_raises_once_buffer_passes_it(self):
        decoder = LineDecoder(max_size=10)
        assert decoder.feed(b"0123456789") == []  # exactly the maximum: still waiting
        with pytest.raises(MessageTooLargeError, match="maximum of 10 bytes"):
            decoder.feed(b"a")

    def test_complete_line_over_maximum_raises(self):
        with pytest.raises(MessageTooLargeError):
            LineDecoder(max_size=3).feed(b"abcd\n")

    def test_messages_before_the_error_are_not_lost(self):
        decoder = LineDecoder(max_size=5)
        with pytest.raises(MessageTooLargeError) as info:
            decoder.feed(b"ok\nfine\n" + b"x" * 6)
        assert info.value.messages == [b"ok", b"fine"]

    def test_error_is_sticky(self):
        decoder = LineDecoder(max_size=2)
        with pytest.raises(MessageTooLargeError):
            decoder.feed(b"abc")
        with pytest.raises(FramingError, match="already found malformed"):
            decoder.feed(b"\n")

    def test_encode_rejects_embedded_delimiter(self):
        with pytest.raises(MalformedFrameError, match="must not contain"):
            encode_line(b"two\nlines")

    def test_empty_delimiter_rejected(self):
        with pytest.raises(ValueError):
            LineDecoder(delimiter=b"")

    def test_long_line_arriving_in_pieces_is_scanned_once(self):
        decoder = LineDecoder()
        for _ in range(1000):
            assert decoder.feed(b"a" * 100) == []
        assert decoder.feed(b"\n") == [b"a" * 100_000]


class TestLengthPrefixDecoder:
    def test_header_is_network_byte_order(self):
        assert encode_length_prefixed(b"abc") == b"\x00\x00\x00\x03abc"

    def test_declared_length_checked_before_body_is_buffered(self):
        decoder = LengthPrefixDecoder(max_size=100)
        with pytest.raises(MessageTooLargeError, match="declared length 4294967295"):
            decoder.feed(struct.pack("!I", 0xFFFFFFFF))  # no body sent at all

    def test_encode_refuses_oversized(self):
        with pytest.raises(MessageTooLargeError):
            encode_length_prefixed(b"x" * 11, max_size=10)

    def test_messages_before_oversized_header_are_kept(self):
        decoder = LengthPrefixDecoder(max_size=10)
        stream = encode_length_prefixed(b"a") + struct.pack("!I", 11) + b"x" * 11
        with pytest.raises(MessageTooLargeError) as info:
            decoder.feed(stream)
        assert info.value.messages == [b"a"]

    def test_stream_ending_inside_header(self):
        decoder = LengthPrefixDecoder()
        decoder.feed(b"\x00\x00")
        with pytest.raises(IncompleteMessageError) as info:
            decoder.end_of_stream()
        assert info.value.partial == b"\x00\x00"

    def test_next_message_interface(self):
        decoder = LengthPrefixDecoder()
        decoder.receive_data(encode_length_prefixed(b"one") + encode_length_prefixed(b"two"))
        assert decoder.next_message() == b"one"
        assert decoder.next_message() == b"two"
        assert decoder.next_message() is None


# --- Every limit on both sides, for both framings: exactly max passes, max + 1 fails ---------

DELIMITERS = [b"\n", b"\r\n", b"\r\n\r\n"]


def every_split_in_two(stream: bytes) -> list[list[bytes]]:
    return [[stream[:cut], stream[cut:]] for cut in range(len(stream) + 1)]


def decode(decoder, chunks: list[bytes]) -> tuple[list[bytes], FramingError | None]:
    """Feed every chunk, then end the stream: every message decoded, and the error if any."""
    decoded: list[bytes] = []
    for chunk in chunks:
        try:
            decoded += decoder.feed(chunk)
        except FramingError as error:
            return decoded + error.messages, error
    try:
        decoder.end_of_stream()
    except FramingError as error:
        return decoded, error
    return decoded, None


@pytest.mark.parametrize("max_size", [1, 5, 64])
@pytest.mark.parametrize("delimiter", DELIMITERS, ids=["LF", "CRLF", "blank-line"])
class TestLineLimits:
    def test_a_line_of_exactly_max_size_passes_however_it_is_split(self, delimiter, max_size):
        line = b"x" * max_size
        encoded = encode_line(line, delimiter, max_size=max_size)
        for chunks in every_split_in_two(encoded):
            assert LineDecoder(max_size, delimiter).feed_all(chunks) == [line], chunks

    def test_a_line_of_max_size_plus_one_fails_however_it_is_split(self, delimiter, max_size):
        stream = b"o" + delimiter + b"x" * (max_size + 1) + delimiter
        for chunks in every_split_in_two(stream):
            decoded, error = decode(LineDecoder(max_size, delimiter), chunks)
            assert isinstance(error, MessageTooLargeError), chunks
            assert decoded == [b"o"], chunks  # the line before it is not lost

    def test_the_encoder_agrees(self, delimiter, max_size):
        assert encode_line(b"x" * max_size, delimiter, max_size=max_size) == b"x" * max_size + delimiter
        with pytest.raises(MessageTooLargeError, match=f"maximum of {max_size} bytes"):
            encode_line(b"x" * (max_size + 1), delimiter, max_size=max_size)

    def test_a_partial_delimiter_after_max_size_bytes_still_waits(self, delimiter, max_size):
        # The issue's example: max_size=5, b"hello\r" must wait for its b"\n".
        decoder = LineDecoder(max_size, delimiter)
        assert decoder.feed(b"y" * max_size + delimiter[:-1]) == []
        assert decoder.feed(delimiter[-1:]) == [b"y" * max_size]

    def test_raises_as_soon_as_no_line_of_max_size_can_come(self, delimiter, max_size):
        decoder = LineDecoder(max_size, delimiter)
        assert decoder.feed(b"y" * max_size) == []  # a delimiter may still follow
        with pytest.raises(MessageTooLargeError, match=f"maximum of {max_size} bytes"):
            decoder.feed(b"y")  # now it cannot: the line is already too long


def test_the_issues_example_does_not_depend_on_the_split():
    whole = LineDecoder(max_size=5, delimiter=b"\r\n").feed(b"hello\r\n")
    decoder = LineDecoder(max_size=5, delimiter=b"\r\n")
    assert decoder.feed(b"hello\r") + decoder.feed(b"\n") == whole == [b"hello"]


@pytest.mark.parametrize("max_size", [1, 5, 64])
class TestLengthPrefixLimits:
    def test_a_message_of_exactly_max_size_passes_however_it_is_split(self, max_size):
        message = b"m" * max_size
        encoded = encode_length_prefixed(message, max_size=max_size)
        for chunks in every_split_in_two(encoded):
            assert LengthPrefixDecoder(max_size).feed_all(chunks) == [message], chunks

    def test_a_declared_length_of_max_size_plus_one_fails_at_the_header(self, max_size):
        header = LENGTH_HEADER.pack(max_size + 1)
        for chunks in every_split_in_two(encode_length_prefixed(b"a") + header):
            decoded, error = decode(LengthPrefixDecoder(max_size), chunks)
            assert isinstance(error, MessageTooLargeError), chunks
            assert f"declared length {max_size + 1} " in str(error)
            assert decoded == [b"a"], chunks  # the message before it is not lost

    def test_the_encoder_agrees(self, max_size):
        encoded = encode_length_prefixed(b"m" * max_size, max_size=max_size)
        assert LengthPrefixDecoder(max_size).feed(encoded) == [b"m" * max_size]
        with pytest.raises(MessageTooLargeError, match=f"maximum of {max_size} bytes"):
            encode_length_prefixed(b"m" * (max_size + 1), max_size=max_size)

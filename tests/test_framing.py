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

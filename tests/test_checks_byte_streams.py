"""The byte-stream checks must pass right readers, catch each classic mistake in words, and never hang."""

from __future__ import annotations

import socket
import struct
import threading
import time

import pytest

from sockutil.checks import byte_streams
from sockutil.checks.byte_streams import (
    LINE_TEXT,
    SWEEP_TEXT,
    check_read_frame,
    check_read_lines,
    example_chunkings,
)


@pytest.fixture(autouse=True)
def quick_limits(monkeypatch):
    """Shorter waits than a student gets, so that the failing readers fail fast."""
    monkeypatch.setattr(byte_streams, "DEADLINE", 1.5)
    monkeypatch.setattr(byte_streams, "READER_TIMEOUT", 0.3)


# ---------------------------------------------------------------- line readers


def good_lines(sock, bufsize=4096, max_line=1000):
    buffer = b""
    while True:
        while b"\n" in buffer:
            line, _, buffer = buffer.partition(b"\n")
            if len(line) > max_line:
                raise ValueError("line too long")
            yield line.decode("utf-8")
        if len(buffer) > max_line:
            raise ValueError("line too long")
        data = sock.recv(bufsize)
        if not data:
            if buffer:
                yield buffer.decode("utf-8")
            return
        buffer += data


def makefile_lines(sock, bufsize=4096, max_line=1000):
    # Another right answer: the buffered file object does the buffering.
    with sock.makefile("rb") as stream:
        while line := stream.readline(max_line + 2):
            if line.endswith(b"\n"):
                line = line[:-1]
            if len(line) > max_line:
                raise ValueError("line too long")
            yield line.decode("utf-8")


def decode_each_recv(sock, bufsize=4096, max_line=1000):
    text = ""
    while data := sock.recv(bufsize):
        text += data.decode("utf-8")
        while "\n" in text:
            line, _, text = text.partition("\n")
            yield line
    if text:
        yield text


def one_recv_is_one_line(sock, bufsize=4096, max_line=1000):
    while data := sock.recv(bufsize):
        yield data.rstrip(b"\n").decode()


def drops_last_line(sock, bufsize=4096, max_line=1000):
    buffer = b""
    while data := sock.recv(bufsize):
        buffer += data
        if len(buffer) > max_line and b"\n" not in buffer:
            raise ValueError("line too long")
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            if len(line) > max_line:
                raise ValueError("line too long")
            yield line.decode()


def reads_until_closed(sock, bufsize=4096, max_line=1000):
    data = b""
    while chunk := sock.recv(bufsize):
        data += chunk
    lines = data.decode().split("\n")
    if lines[-1] == "":
        lines.pop()
    if any(len(line.encode()) > max_line for line in lines):
        raise ValueError("line too long")
    return lines


def counts_characters(sock, bufsize=4096, max_line=1000):
    buffer = b""
    while True:
        while b"\n" in buffer:
            line, _, buffer = buffer.partition(b"\n")
            text = line.decode()
            if len(text) > max_line:
                raise ValueError("line too long")
            yield text
        if len(buffer) > 4 * max_line:
            raise ValueError("line too long")
        data = sock.recv(bufsize)
        if not data:
            if buffer:
                yield buffer.decode()
            return
        buffer += data


def refuses_exactly_max(sock, bufsize=4096, max_line=1000):
    buffer = b""
    while True:
        while b"\n" in buffer:
            line, _, buffer = buffer.partition(b"\n")
            if len(line) > max_line:
                raise ValueError("line too long")
            yield line.decode()
        if len(buffer) >= max_line:  # off by one
            raise ValueError("line too long")
        data = sock.recv(bufsize)
        if not data:
            if buffer:
                yield buffer.decode()
            return
        buffer += data


def spins_after_close(sock, bufsize=4096, max_line=1000):
    buffer = b""
    while True:
        buffer += sock.recv(bufsize)  # b"" forever once the peer has closed
        while b"\n" in buffer:
            line, _, buffer = buffer.partition(b"\n")
            yield line.decode()


def yields_bytes(sock, bufsize=4096, max_line=1000):
    for line in good_lines(sock, bufsize, max_line):
        yield line.encode()


def stub_lines(sock, bufsize=4096, max_line=1000):
    raise NotImplementedError("write read_lines() first")


def run_lines(capsys, reader) -> str:
    check_read_lines(reader)
    return capsys.readouterr().out


@pytest.mark.parametrize("reader", [good_lines, makefile_lines])
def test_right_line_readers_pass(capsys, reader):
    out = run_lines(capsys, reader)
    assert "read_lines: all 13 checks passed." in out
    assert "✘" not in out


def test_decoding_each_recv_fails_the_cut_character_with_the_utf8_hint(capsys):
    out = run_lines(capsys, decode_each_recv)
    assert "✔ two lines in one piece" in out
    assert "✘ 'ü' cut in two" in out and "UnicodeDecodeError" in out
    assert "hint: decode whole lines, not single recv() results" in out


def test_one_recv_per_line_fails_glued_lines(capsys):
    out = run_lines(capsys, one_recv_is_one_line)
    assert "✘ two lines in one piece: ['hello', 'world']: got ['hello\\nworld']" in out
    assert "hint: one recv() can return several lines" in out


def test_a_dropped_last_line_is_named(capsys):
    out = run_lines(capsys, drops_last_line)
    assert "✘ a last line without b'\\n' is still a line" in out
    assert "got ['first']" in out
    assert "read_lines: 1 of 13 checks failed." in out


def test_waiting_for_the_end_of_the_stream_fails_the_conversation_and_the_endless_line(capsys):
    out = run_lines(capsys, reads_until_closed)
    assert "✘ each line is handed over as soon as it is complete: raised TimeoutError" in out
    assert "hint: yield each line as soon as its b'\\n' has arrived" in out
    assert "✘ a line that never ends raises ValueError" in out
    assert "✔ cut in two at every offset" in out  # where the peer closes, it is right


def test_counting_characters_instead_of_bytes_is_caught(capsys):
    out = run_lines(capsys, counts_characters)
    assert "✘ max_line counts bytes" in out
    assert "read_lines: 1 of 13 checks failed." in out


def test_an_off_by_one_limit_is_caught(capsys):
    out = run_lines(capsys, refuses_exactly_max)
    assert "✘ lines of exactly max_line bytes are fine" in out
    assert "hint: a line of exactly max_line bytes is allowed" in out


def test_bytes_instead_of_str_gets_the_decode_hint(capsys):
    out = run_lines(capsys, yields_bytes)
    assert "got [b'hello', b'world']" in out
    assert "hint: yield str, not bytes" in out


def test_a_stub_is_reported_once(capsys):
    out = run_lines(capsys, stub_lines)
    assert "raised NotImplementedError: write read_lines() first" in out
    assert "read_lines: 1 of 1 checks failed." in out


def test_a_reader_that_spins_after_close_is_stopped_and_leaves_no_thread(capsys):
    start = time.monotonic()
    out = run_lines(capsys, spins_after_close)
    assert time.monotonic() - start < byte_streams.DEADLINE + 3
    assert "did not finish within" in out and "the remaining cases are skipped" in out
    time.sleep(0.2)
    assert not [t for t in threading.enumerate() if t.name.startswith("check-byte-streams")]


# ---------------------------------------------------------------- frame readers


def recv_exactly(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed mid-frame")
        data += chunk
    return data


def good_frame(sock, max_size=1_000_000):
    first = sock.recv(4)
    if not first:
        return None
    (length,) = struct.unpack("!I", first + recv_exactly(sock, 4 - len(first)))
    if length > max_size:
        raise ValueError("too large")
    return recv_exactly(sock, length)


def one_recv_frame(sock, max_size=1_000_000):
    header = sock.recv(4)
    if not header:
        return None
    (length,) = struct.unpack("!I", header)
    if length > max_size:
        raise ValueError("too large")
    return sock.recv(length)


def spinning_frame(sock, max_size=1_000_000):
    header = b""
    while len(header) < 4:
        header += sock.recv(4 - len(header))
    (length,) = struct.unpack("!I", header)
    body = b""
    while len(body) < length:
        body += sock.recv(length - len(body))
    return body


def late_size_check_frame(sock, max_size=1_000_000):
    first = sock.recv(4)
    if not first:
        return None
    (length,) = struct.unpack("!I", first + recv_exactly(sock, 4 - len(first)))
    body = recv_exactly(sock, length)
    if length > max_size:
        raise ValueError("too large")
    return body


def none_mid_frame(sock, max_size=1_000_000):
    data = b""
    while len(data) < 4:
        chunk = sock.recv(4 - len(data))
        if not chunk:
            return None
        data += chunk
    (length,) = struct.unpack("!I", data)
    if length > max_size:
        raise ValueError("too large")
    body = b""
    while len(body) < length:
        chunk = sock.recv(length - len(body))
        if not chunk:
            return None
        body += chunk
    return body


def run_frames(capsys, reader) -> str:
    check_read_frame(reader)
    return capsys.readouterr().out


def test_right_frame_reader_passes(capsys):
    out = run_frames(capsys, good_frame)
    assert "read_frame: all 9 checks passed." in out and "✘" not in out


def test_one_recv_frame_reader_fails_cut_headers_with_a_hint(capsys):
    out = run_frames(capsys, one_recv_frame)
    assert "✘ one byte per recv(), the header too: raised struct.error" in out
    assert "hint: recv(n) returns up to n bytes" in out
    assert "✘ a frame of 307 200 bytes arrives whole" in out


def test_a_spinning_frame_reader_is_stopped(capsys):
    out = run_frames(capsys, spinning_frame)
    assert "did not finish within" in out
    assert "read_frame: 1 of 1 checks failed." in out


def test_checking_the_size_after_the_body_is_too_late(capsys):
    out = run_frames(capsys, late_size_check_frame)
    assert "✘ a declared length over max_size raises ValueError before the body" in out
    assert "read_frame: 1 of 9 checks failed." in out


def test_none_in_the_middle_of_a_frame_is_caught(capsys):
    out = run_frames(capsys, none_mid_frame)
    assert "✘ the peer closes inside a header: ConnectionError: no error" in out
    assert "✘ the peer closes inside a body: ConnectionError: no error" in out


# ---------------------------------------------------------------- pieces


def test_example_chunkings_cut_the_same_bytes():
    rows = example_chunkings()
    data = LINE_TEXT.encode()
    assert all(b"".join(chunks) == data for chunks in rows.values())
    assert len(rows["one byte per recv"]) == len(data)
    first, second = rows["cut inside 'ü'"]
    with pytest.raises(UnicodeDecodeError):
        first.decode("utf-8")


def test_the_sweep_text_is_longer_than_the_largest_recv_size():
    assert len(SWEEP_TEXT.encode()) > byte_streams.MAX_BUFSIZE
    assert SWEEP_TEXT.endswith("\n") and "\n\n" in SWEEP_TEXT  # it has empty lines too


def test_the_watched_socket_counts_recv_and_recv_into():
    with socket.create_server(("127.0.0.1", 0)) as listener:
        reader = byte_streams._WatchedSocket(socket.AF_INET, socket.SOCK_STREAM)
        with reader:
            reader.settimeout(2)
            reader.connect(listener.getsockname())
            listener.settimeout(2)
            sender, _ = listener.accept()
            with sender:
                sender.sendall(b"abcdef")
                assert reader.recv(2) == b"ab"
                buffer = bytearray(10)
                assert reader.recv_into(buffer, 4) == 4
                assert reader.taken == 6
                assert reader.wait_taken(6, lambda: True, timeout=0.1)
                assert not reader.wait_taken(7, lambda: True, timeout=0.05)

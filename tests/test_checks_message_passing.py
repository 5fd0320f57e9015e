"""The framing check of notebook 01 must pass a right answer and catch each classic mistake."""

from __future__ import annotations

import socket
import struct
import threading
import time

from sockutil.checks import message_passing
from sockutil.checks.message_passing import check_messages


def send_framed(sock, messages):
    for message in messages:
        sock.sendall(struct.pack("!I", len(message)) + message)


def receive_framed(sock):
    messages, buffer = [], b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        buffer += chunk
        while len(buffer) >= 4:
            (length,) = struct.unpack("!I", buffer[:4])
            if len(buffer) < 4 + length:
                break
            messages.append(buffer[4 : 4 + length])
            buffer = buffer[4 + length :]
    if buffer:
        raise ValueError("the stream ended in the middle of a message")
    return messages


def run(capsys, send, receive) -> str:
    check_messages(send, receive)
    return capsys.readouterr().out


def test_a_length_prefix_passes_every_case(capsys):
    out = run(capsys, send_framed, receive_framed)
    assert "messages: all 7 checks passed." in out and "✘" not in out


def test_makefile_reading_passes_too(capsys):
    def receive(sock):
        messages = []
        with sock.makefile("rb") as stream:
            while header := stream.read(4):
                (length,) = struct.unpack("!I", header)
                messages.append(stream.read(length))
        return messages

    assert "all 7 checks passed" in run(capsys, send_framed, receive)


def test_newline_framing_fails_on_newlines_in_messages(capsys):
    def send(sock, messages):
        for message in messages:
            sock.sendall(message + b"\n")

    def receive(sock):
        data = b""
        while chunk := sock.recv(4096):
            data += chunk
        return data.split(b"\n")[:-1]

    out = run(capsys, send, receive)
    assert "✘ empty messages, newlines and zero bytes are kept: got" in out
    assert "hint: a message may contain any byte" in out
    assert "✔ the same, when every recv() returns just 1 byte" in out


def test_one_recv_per_header_fails_with_a_hint(capsys):
    def receive(sock):
        messages = []
        while header := sock.recv(4):
            (length,) = struct.unpack("!I", header)
            messages.append(sock.recv(length))
        return messages

    out = run(capsys, send_framed, receive)
    assert "✘ the same, when every recv() returns just 1 byte: receive_messages raised struct.error" in out
    assert "hint: recv() may return fewer bytes than you asked for" in out


def test_send_without_sendall_is_caught(capsys):
    def send(sock, messages):
        for message in messages:
            sock.send(struct.pack("!I", len(message)) + message)

    out = run(capsys, send, receive_framed)
    assert "✘ a send() that takes only 1 to 3 bytes per call loses nothing" in out
    assert "use sendall()" in out


def test_a_loop_that_ignores_the_end_of_the_stream_is_stopped(capsys):
    def receive(sock):
        messages = []
        while True:
            header = b""
            while len(header) < 4:
                header += sock.recv(4 - len(header))  # b"" for ever once the stream ends
            (length,) = struct.unpack("!I", header)
            body = b""
            while len(body) < length:
                body += sock.recv(length - len(body))
            messages.append(body)

    start = time.perf_counter()
    out = run(capsys, send_framed, receive)
    assert time.perf_counter() - start < 5
    assert "receive_messages raised EndlessLoopError" in out
    assert "hint: when recv() returns b'', the sender has closed: stop reading" in out
    assert "7 of 7 checks failed" in out


def test_a_wrong_result_is_shown(capsys):
    def receive(sock):
        while sock.recv(4096):
            pass
        return ["everything"]

    out = run(capsys, send_framed, receive)
    assert "✘ three short messages come back as three messages: got ['everything']" in out


def test_stubs_are_reported_in_words_and_the_sender_first(capsys):
    def send(sock, messages):
        raise NotImplementedError("write send_messages() first")

    def receive(sock):
        raise NotImplementedError("write receive_messages() first")

    out = run(capsys, send, receive)
    assert out.count("send_messages raised NotImplementedError: write send_messages() first") == 7
    assert "Traceback" not in out
    assert "7 of 7 checks failed" in out


def test_a_missing_receiver_is_named(capsys):
    def receive(sock):
        raise NotImplementedError("write receive_messages() first")

    out = run(capsys, send_framed, receive)
    assert out.count("receive_messages raised NotImplementedError") == 7


def test_a_receiver_blocked_for_ever_is_bounded_by_the_timeout(capsys, monkeypatch):
    monkeypatch.setattr(message_passing, "TIMEOUT", 0.2)

    def receive(sock):
        nobody, writes_here = socket.socketpair()  # nothing is ever sent on this pair
        with nobody, writes_here:
            return nobody.recv(10)  # only the check's default timeout ends this wait

    start = time.perf_counter()
    out = run(capsys, send_framed, receive)
    assert "receive_messages raised TimeoutError" in out
    assert "hint: a recv() waited for bytes that never came" in out
    assert time.perf_counter() - start < 7 * 0.2 + 3


def test_no_thread_is_left_behind(capsys):
    before = set(threading.enumerate())
    run(capsys, send_framed, receive_framed)
    assert set(threading.enumerate()) <= before

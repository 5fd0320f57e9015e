"""The machinery of notebook 01's framing check: bounded in time, fair in blame, tidy.

Plausible student solutions, right and wrong, live in the gallery
(``tests/wrong_solutions/messages/``); these tests prove what the gallery
cannot: that a check of hostile code ends quickly, blames the right function,
and leaves nothing behind.
"""

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
    return messages


def test_reading_through_makefile_passes_too(capsys):
    def receive(sock):
        messages = []
        with sock.makefile("rb") as stream:
            while True:
                header = stream.read(4)
                if not header:
                    break
                (length,) = struct.unpack("!I", header)
                messages.append(stream.read(length))
        return messages

    report = check_messages(send_framed, receive)
    assert report.passed, capsys.readouterr().out


def test_a_loop_that_ignores_the_end_of_the_stream_is_stopped_quickly(capsys):
    def receive(sock):
        messages = []
        while True:
            header = b""
            while len(header) < 4:
                header += sock.recv(4 - len(header))  # b"" for ever once the stream ends
            messages.append(header)

    start = time.perf_counter()
    report = check_messages(send_framed, receive)
    assert time.perf_counter() - start < 5  # stopped by counting empty recvs, not by a deadline
    out = capsys.readouterr().out
    assert "receive_messages raised EndlessLoopError" in out
    assert len(report.failures) == len(report.results)


def test_a_receiver_blocked_for_ever_is_stopped_at_the_deadline_and_the_rest_skipped(capsys, monkeypatch):
    monkeypatch.setattr(message_passing, "TIMEOUT", 0.2)
    monkeypatch.setattr(message_passing, "MAX_EMPTY_RECVS", 10**9)  # only the deadline can end it

    def receive(sock):
        while True:
            sock.recv(10)  # b"" for ever once the sender has closed

    start = time.perf_counter()
    report = check_messages(send_framed, receive)
    elapsed = time.perf_counter() - start
    out = capsys.readouterr().out
    assert "receive_messages did not return within 0.2 s" in out
    assert "not tried" in out  # one wait is enough: the other cases are skipped
    assert not report.passed
    # Only the deadline can end this receiver (it would loop for ever): it did, in far less than
    # pytest's own timeout, on a loaded machine too. The skipping is shown by "not tried" above.
    assert elapsed < 15


def test_an_error_of_the_sender_is_blamed_on_the_sender(capsys):
    def send(sock, messages):
        for message in messages:
            sock.sendall(len(message).to_bytes(2, "big") + message)
        raise ValueError("oops")

    check_messages(send, receive_framed)
    out = capsys.readouterr().out
    assert "send_messages raised ValueError: oops" in out
    assert "receive_messages raised" not in out


def test_an_unwritten_receiver_is_named_even_when_the_sender_is_written(capsys):
    def receive_messages(sock):
        """Receive until the sender closes."""
        raise NotImplementedError("write receive_messages() first")

    report = check_messages(send_framed, receive_messages)
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("✘ write receive_messages() first")
    assert out.count("\n") == 1 and report.stopped


def test_a_tuple_of_messages_counts_as_the_list(capsys):
    report = check_messages(send_framed, lambda sock: tuple(receive_framed(sock)))
    assert report.passed, capsys.readouterr().out


def test_nothing_is_left_behind(capsys):
    before = set(threading.enumerate())
    previous_timeout = socket.getdefaulttimeout()
    check_messages(send_framed, receive_framed)
    assert set(threading.enumerate()) <= before
    assert socket.getdefaulttimeout() == previous_timeout

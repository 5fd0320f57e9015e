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


def test_a_loop_that_ignores_the_end_of_the_stream_is_stopped_quickly(capsys, monkeypatch):
    # The deadline made far longer than any run (pytest's own limit is 300 s): only counting the
    # empty recvs can then stop the loop, and a loaded machine's slowness fails nothing (a CI
    # run once took 6.9 s against a bound of 5 s here).
    monkeypatch.setattr(message_passing, "TIMEOUT", 3600.0)

    def receive(sock):
        messages = []
        while True:
            header = b""
            while len(header) < 4:
                header += sock.recv(4 - len(header))  # b"" for ever once the stream ends
            messages.append(header)

    start = time.perf_counter()
    report = check_messages(send_framed, receive)
    assert time.perf_counter() - start < 120  # stopped by counting empty recvs, not by the deadline
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


# ------------------------------------------------- hints by cause, on gallery code

#: Words of the hints that tell a receiver to frame its messages another way (a header or a marker,
#: a length before each message, no newline as the end). A receiver that already sends and reads a
#: 4-byte length, and only reads it with one recv(4), must never get them: its prefix is right.
FRAMING_ADVICE = ("marker", "send a header", "length before it", "newline cannot", "keeps no boundaries", "prefix")


def gallery_solution(name: str):
    from tests.test_wrong_solutions import GALLERY, load

    return load(GALLERY / "messages" / f"{name}.py")


def test_a_length_prefix_read_with_one_recv_4_is_never_told_to_drop_its_prefix(capsys):
    solution = gallery_solution("one_recv_per_part")
    for _ in range(3):  # what one recv() returns varies between runs: no run may give the advice
        report = check_messages(solution.send_messages, solution.receive_messages)
        out = capsys.readouterr().out
        assert not report.passed, out
        hints = [failure.hint.lower() for failure in report.failures]
        assert any("fewer bytes than you asked for" in hint for hint in hints), out
        advice = [hint for hint in hints if any(words in hint for words in FRAMING_ADVICE)]
        assert not advice, f"a length-prefix reader was told to frame another way:\n{out}"


def test_asking_for_the_whole_length_again_is_named_on_every_run(capsys):
    # With every byte waiting and at most 5 bytes per recv(), recv(13) after 10 bytes returns 5:
    # 2 bytes of the next header join the first message, the same on every run.
    solution = gallery_solution("asks_for_the_whole_length_again")
    report = check_messages(solution.send_messages, solution.receive_messages)
    out = capsys.readouterr().out
    [last] = [r for r in report.results if r.what.startswith("three messages of 13, 8 and 10 bytes")]
    assert not last.ok and "recv(length - len(body))" in last.hint, out
    assert "b'a byte stream\\x00\\x00'" in last.what, out

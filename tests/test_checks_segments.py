"""The checks of notebook 07 tell right from wrong, in words, without hanging."""

from __future__ import annotations

import signal
import socket

import pytest

from sockutil import netsim
from sockutil.checks import segments
from sockutil.checks.segments import check_fill_send_buffer, check_reassemble, netsim_cases

# --------------------------------------------------------------------------- fill_send_buffer


def good_fill(sock: socket.socket) -> int:
    sock.setblocking(False)
    total = 0
    chunk = bytes(65536)
    while True:
        try:
            total += sock.send(chunk)
        except BlockingIOError:
            return total


def counts_what_it_offered(sock: socket.socket) -> int:
    # The classic mistake: len(chunk) instead of what send() returned.
    sock.setblocking(False)
    total = 0
    chunk = bytes(65536)
    while True:
        try:
            sock.send(chunk)
            total += len(chunk)
        except BlockingIOError:
            return total


def test_a_correct_fill_passes(capsys):
    check_fill_send_buffer(good_fill)
    out = capsys.readouterr().out
    assert "all 2 checks passed" in out and "✘" not in out


def test_counting_the_offered_bytes_is_caught_with_small_buffers(capsys):
    check_fill_send_buffer(counts_what_it_offered)
    out = capsys.readouterr().out
    assert "✘ with small buffers" in out
    assert "hint: add up what each send() returns" in out


def test_a_blocking_send_that_catches_os_error_is_told_to_be_non_blocking(capsys):
    def patient(sock):
        # The mistake: never setblocking(False); the 2 s timeout ends the loop instead.
        total = 0
        while True:
            try:
                total += sock.send(bytes(65536))
            except OSError:
                return total

    check_fill_send_buffer(patient)
    out = capsys.readouterr().out
    assert "left the socket blocking" in out
    assert "hint: make it non-blocking" in out
    assert "not tried: fix the case above first" in out


def test_a_blocking_send_is_reported_once_and_not_waited_for_twice(capsys):
    def blocking(sock):
        while True:
            sock.sendall(bytes(65536))

    check_fill_send_buffer(blocking)
    out = capsys.readouterr().out
    assert "raised TimeoutError" in out and "setblocking(False)" in out
    assert "not tried: fix the case above first" in out
    assert "2 of 2 checks failed" in out


def test_an_uncaught_blocking_io_error_gets_its_own_hint(capsys):
    def uncaught(sock):
        sock.setblocking(False)
        while True:
            sock.send(bytes(65536))

    check_fill_send_buffer(uncaught)
    out = capsys.readouterr().out
    assert "raised BlockingIOError" in out and "catch BlockingIOError" in out


def test_stopping_early_is_caught(capsys):
    def one_send(sock):
        sock.setblocking(False)
        return sock.send(b"x" * 1000)

    check_fill_send_buffer(one_send)
    out = capsys.readouterr().out
    assert "send() could still take more bytes" in out


def test_a_stub_and_a_wrong_type_are_reported_in_words(capsys):
    def stub(sock):
        raise NotImplementedError("write fill_send_buffer() first")

    check_fill_send_buffer(stub)
    assert "raised NotImplementedError: write fill_send_buffer() first" in capsys.readouterr().out
    check_fill_send_buffer(lambda sock: "lots")
    assert "returned 'lots'" in capsys.readouterr().out


def test_an_endless_loop_is_stopped(capsys, monkeypatch):
    monkeypatch.setattr(segments, "TIME_LIMIT", 0.3)

    def endless(sock):
        sock.setblocking(False)
        while True:
            try:
                sock.send(b"x")
            except BlockingIOError:
                continue

    check_fill_send_buffer(endless)
    assert "did not return within 0.3 s" in capsys.readouterr().out


# --------------------------------------------------------------------------- reassemble


def good_reassemble(first_seq, arrivals):
    pending = {}
    stream = bytearray()
    acks = []
    for seq, payload in arrivals:
        position = (seq - first_seq) % 2**32
        if position + len(payload) > len(stream):
            pending[position] = max(payload, pending.get(position, b""), key=len)
        moved = True
        while moved:
            moved = False
            for start in sorted(pending):
                if start <= len(stream):
                    stream += pending.pop(start)[len(stream) - start:]
                    moved = True
        acks.append((first_seq + len(stream)) % 2**32)
    return bytes(stream), acks


def test_a_correct_reassemble_passes(capsys):
    check_reassemble(good_reassemble)
    out = capsys.readouterr().out
    assert "all 8 checks passed" in out and "✘" not in out


def test_forgetting_the_wrap_is_caught(capsys):
    def no_wrap(first_seq, arrivals):
        stream, acks = good_reassemble(first_seq, arrivals)
        return stream, [first_seq + len(stream[: (a - first_seq) % 2**32]) for a in acks]

    check_reassemble(no_wrap)
    out = capsys.readouterr().out
    assert "✘ sequence numbers wrap from 2**32 - 1 to 0: after segment 2 the ACK should be 0" in out
    assert "hint: sequence numbers are 32 bits" in out


def test_sorting_everything_at_once_is_caught(capsys):
    def sort_all(first_seq, arrivals):
        d = dict(arrivals)
        return b"".join(d[k] for k in sorted(d)), [first_seq] * len(arrivals)

    check_reassemble(sort_all)
    out = capsys.readouterr().out
    assert "✘ segments in order: after segment 1 the ACK should be 1003, not 1000" in out
    assert "✔ no segments at all" in out


def test_acks_only_at_the_end_are_caught(capsys):
    def one_ack(first_seq, arrivals):
        stream, acks = good_reassemble(first_seq, arrivals)
        return stream, acks[-1:]

    check_reassemble(one_ack)
    assert "ACK numbers for 2 segments (one per segment)" in capsys.readouterr().out


def test_a_wrong_shape_and_a_stub_are_reported_in_words(capsys):
    check_reassemble(lambda first_seq, arrivals: b"just bytes")
    assert "not (stream, acks)" in capsys.readouterr().out

    def stub(first_seq, arrivals):
        raise NotImplementedError("write reassemble() first")

    check_reassemble(stub)
    out = capsys.readouterr().out
    assert "raised NotImplementedError: write reassemble() first" in out
    assert "8 of 8 checks failed" in out


def test_an_endless_loop_is_stopped_and_the_rest_skipped(capsys, monkeypatch):
    monkeypatch.setattr(segments, "TIME_LIMIT", 0.3)

    def endless(first_seq, arrivals):
        while True:
            pass

    check_reassemble(endless)
    out = capsys.readouterr().out
    assert out.count("did not return within 0.3 s") == 1
    assert out.count("not tried, because a case above did not return") == 7


def test_the_simulated_cases_are_adversarial_and_deterministic():
    cases = netsim_cases()
    assert cases == netsim_cases()
    assert len(cases) == 30
    wrapped = 0
    out_of_order = duplicated = 0
    for _, first_seq, arrivals in cases:
        offsets = [netsim.seq_offset(seq, first_seq) for seq, _ in arrivals]
        out_of_order += offsets != sorted(offsets)
        duplicated += len(offsets) != len(set(offsets))
        wrapped += any(seq < first_seq for seq, _ in arrivals)
    assert out_of_order >= 10 and duplicated >= 10 and wrapped >= 3


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="no SIGALRM timer on this OS")
def test_the_time_limit_is_lifted_afterwards():
    handler = signal.getsignal(signal.SIGALRM)
    with segments._time_limit(0.2):
        pass
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) is handler

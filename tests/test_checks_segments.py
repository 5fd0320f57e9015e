"""The machinery of notebook 07's checks: nothing hangs, no signal handler is touched, the cases are fixed.

What each check says about plausible student code (right and wrong) lives in
the gallery: tests/wrong_solutions/fill_send_buffer and reassemble.
"""

from __future__ import annotations

import signal
import socket
import threading

import pytest

from sockutil import netsim
from sockutil.checks.segments import check_fill_send_buffer, check_reassemble, fill, netsim_cases, reassembly


def check_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("sockutil-check")]


def right_fill(sock):
    sock.setblocking(False)
    total = 0
    while True:
        try:
            total += sock.send(bytes(65536))
        except BlockingIOError:
            return total


def test_an_endless_fill_that_swallows_every_error_is_interrupted(capsys, monkeypatch):
    monkeypatch.setattr(fill, "DEADLINE", 0.3)

    def endless(sock):
        sock.setblocking(False)
        while True:  # after the check shuts the socket down, send() raises BrokenPipeError: also swallowed
            try:
                sock.send(b"x")
            except OSError:
                continue

    report = check_fill_send_buffer(endless)
    out = capsys.readouterr().out
    assert "did not return within 0.3 s" in out and "not tried" in out
    assert not report.passed and not check_threads()


def test_an_endless_reassemble_is_interrupted_and_the_rest_skipped(capsys, monkeypatch):
    monkeypatch.setattr(reassembly, "DEADLINE", 0.3)

    def endless(first_seq, arrivals):
        while True:
            pass

    check_reassemble(endless)
    out = capsys.readouterr().out
    assert out.count("did not return within 0.3 s") == 1
    assert out.count("not tried, fix the case above first") == 8  # every other case: 7 hand-made, 1 simulated
    assert not check_threads()


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="no interval timers on this OS")
def test_no_check_touches_a_signal_handler_or_a_timer(capsys):
    handler, timeout, hook = signal.getsignal(signal.SIGALRM), socket.getdefaulttimeout(), threading.excepthook
    timer = signal.getitimer(signal.ITIMER_REAL)  # pytest-timeout may have one running: it only runs down
    seen = []

    def watching(first_seq, arrivals):  # runs while the check is in charge
        seen.append((signal.getsignal(signal.SIGALRM), signal.getitimer(signal.ITIMER_REAL)))
        return b"", [first_seq] * len(arrivals)

    check_reassemble(watching)
    assert check_fill_send_buffer(right_fill).passed
    assert seen and all(now_handler is handler for now_handler, _ in seen)
    assert all(now[0] <= timer[0] and now[1] == timer[1] for _, now in seen)
    assert signal.getsignal(signal.SIGALRM) is handler
    assert socket.getdefaulttimeout() == timeout and threading.excepthook is hook


def test_the_simulated_cases_are_adversarial_and_deterministic():
    cases = netsim_cases()
    assert cases == netsim_cases()
    assert len(cases) == 30
    wrapped = out_of_order = duplicated = 0
    for _, first_seq, arrivals in cases:
        offsets = [netsim.seq_offset(seq, first_seq) for seq, _ in arrivals]
        out_of_order += offsets != sorted(offsets)
        duplicated += len(offsets) != len(set(offsets))
        wrapped += any(seq < first_seq for seq, _ in arrivals)
    assert out_of_order >= 10 and duplicated >= 10 and wrapped >= 3


@pytest.mark.parametrize("exercise", ["fill_send_buffer", "reassemble"])
def test_the_gallerys_right_solution_is_the_notebooks(exercise):
    from tests.test_checks_byte_streams import solution_code
    from tests.test_wrong_solutions import GALLERY

    code = solution_code("07-segments-and-reliability.ipynb", exercise)
    assert code.strip() and code in (GALLERY / exercise / "right.py").read_text(encoding="utf-8")


def test_room_that_appears_after_blocking_io_error_does_not_fail_a_right_fill(capsys):
    """The kernel may free room after BlockingIOError (ACKs in flight, under load): the student
    stopped at the signal it was given, so the count is judged, not the room found later.
    Here the room is made on purpose, after the error, by a larger send buffer."""

    def fill_then_room_appears(sock):
        total = right_fill(sock)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)  # room, after the error
        return total

    report = check_fill_send_buffer(fill_then_room_appears)
    assert report.passed, capsys.readouterr().out

"""sockutil.exercise_guard: a kit helper that answers an exercise is refused as the student's, only while its check runs."""

from __future__ import annotations

import socket
import threading

import pytest

import sockutil
from sockutil import exercise_guard, netsim
from sockutil.checks.socket_api import check_drain
from sockutil.exercise_guard import KitAnswerError, during


def closed_pair(data: bytes) -> tuple[socket.socket, socket.socket]:
    """A connected pair whose first end has ``data`` waiting, then the end of the stream."""
    a, b = socket.socketpair()
    b.sendall(data)
    b.shutdown(socket.SHUT_WR)
    a.settimeout(2)
    return a, b


def test_outside_a_check_every_helper_works():
    a, b = closed_pair(b"hello")
    with a, b:
        assert sockutil.recv_until_closed(a) == b"hello"
    assert sockutil.LineDecoder().feed(b"x\n") == [b"x"]
    assert netsim.Receiver(0).on_segment(0, b"ab") == (2, 2)


def test_during_a_check_the_students_call_is_refused_in_words():
    a, b = closed_pair(b"hello")
    with a, b, during("drain"):
        with pytest.raises(KitAnswerError) as caught:
            sockutil.recv_until_closed(a)   # this file is not the kit's: the student's code
    assert str(caught.value) == ("your drain() called sockutil's recv_until_closed, the kit's own version of this "
                                 "exercise, which this check does not accept: write drain() yourself, with the "
                                 "calls the lesson showed")
    a, b = closed_pair(b"hello")
    with a, b:
        assert sockutil.recv_until_closed(a) == b"hello", "after the check, the helper works again"


def test_only_the_helpers_of_the_exercise_being_checked_are_refused():
    import sockutil.checks.segments  # noqa: F401 - plugs the guard into netsim, as check_reassemble's import does

    with during("reassemble"):
        assert sockutil.LineDecoder().feed(b"x\n") == [b"x"]   # read_lines' helper, not reassemble's
        with pytest.raises(KitAnswerError, match="netsim.Receiver"):
            netsim.Receiver(0).on_segment(0, b"ab")
    with during("read_lines"):
        with pytest.raises(KitAnswerError, match="LineDecoder"):
            sockutil.LineDecoder().feed(b"x\n")
        assert sockutil.LengthPrefixDecoder().feed(b"\0\0\0\1y") == [b"y"]


def test_a_call_from_a_thread_python_starts_is_the_kits_and_goes_through():
    """The checks' own servers and clients run in threads: their calls are not the student's."""
    outcomes: list[object] = []

    def students_thread(sock: socket.socket) -> None:
        try:
            outcomes.append(sockutil.recv_until_closed(sock))
        except KitAnswerError as error:
            outcomes.append(error)

    a, b = closed_pair(b"from a thread")
    with a, b, during("drain"):
        worker = threading.Thread(target=students_thread, args=(a,), name="sockutil-test")
        worker.start()
        worker.join(5)
    # This file's code is the student's, in any thread.
    assert [type(outcome) for outcome in outcomes] == [KitAnswerError]
    a, b = closed_pair(b"from a thread")
    with a, b, during("drain"):
        # A thread whose target is the helper itself, as a kit server's would be, goes through.
        worker = threading.Thread(target=sockutil.recv_until_closed, args=(a,), name="sockutil-test")
        worker.start()
        worker.join(5)
        assert not worker.is_alive()


def test_the_helper_handed_to_its_check_as_the_answer_gets_one_line(capsys):
    report = check_drain(sockutil.recv_until_closed)
    assert not report.passed
    assert capsys.readouterr().out.startswith("✘ your drain() called sockutil's recv_until_closed")


def test_a_check_for_an_exercise_the_table_does_not_know_is_a_mistake():
    with pytest.raises(KeyError, match="no kit helper is listed"):
        with during("no_such_exercise"):
            pass


def test_every_listed_helper_asks_the_guard():
    """Each helper in the table calls refuse() with its own name: otherwise the table promises nothing."""
    import inspect

    from sockutil import clients, framing, names
    from sockutil.netsim import endpoints

    sources = "".join(inspect.getsource(module) for module in (clients, framing, names, endpoints))
    for helpers in exercise_guard.EXERCISE_HELPERS.values():
        for helper in helpers:
            assert f'"{helper}"' in sources, helper

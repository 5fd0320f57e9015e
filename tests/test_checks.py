"""The harness every self-check shares: outcomes, hints by cause, unwritten stubs, and the watch.

The gallery (``test_wrong_solutions.py``) proves each check against wrong
code; this file proves the parts they are built from.
"""

from __future__ import annotations

import socket
import threading
import warnings

import pytest

from sockutil import Server
from sockutil.checks import (
    Hint,
    Outcome,
    Report,
    Watch,
    always,
    attempt,
    default_timeout,
    is_unwritten,
    raised,
    short,
)
from sockutil.checks.start_here import check_shout


# ------------------------------------------------------------------ unwritten
def stub_raise(port, text):
    """Docstring."""
    # a comment
    raise NotImplementedError("write shout() first")


def stub_pass(port, text):
    pass


def stub_ellipsis(port, text):
    ...


def stub_bare_raise(port, text):
    raise NotImplementedError


def written(port, text):
    raise ValueError("not a stub: it does something")


def written_too(port, text):
    """Docstring."""
    return text


@pytest.mark.parametrize("function", [stub_raise, stub_pass, stub_ellipsis, stub_bare_raise])
def test_stubs_are_unwritten(function):
    assert is_unwritten(function)


@pytest.mark.parametrize("function", [written, written_too, lambda port, text: text, print])
def test_code_is_not_unwritten(function):
    assert not is_unwritten(function)


def test_an_unwritten_function_gets_one_line_and_no_ticks(capsys):
    report = check_shout(stub_raise)
    out = capsys.readouterr().out
    assert out == "✘ write stub_raise() first: fill in its cell, run that cell, then run this check again\n"
    assert report.stopped and not report.passed and len(report.results) == 1


def test_a_stub_the_source_cannot_show_is_caught_at_its_first_call(capsys):
    def hidden(port, text):
        return stub_raise(port, text)

    report = check_shout(hidden)
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "write shout() first" in out and "✔" not in out
    assert report.stopped


# ------------------------------------------------------------------- outcomes
def test_attempt_records_a_value_an_error_and_frees_the_traceback():
    assert attempt(lambda: 42).value == 42
    outcome = attempt(lambda: 1 / 0)
    assert outcome.raised(ZeroDivisionError) and not outcome.ok
    assert outcome.error.__traceback__ is None
    assert outcome.describe() == "raised ZeroDivisionError: division by zero"


def test_attempt_keeps_what_a_generator_yielded_before_it_raised():
    def lines():
        yield "one"
        yield "two"
        raise ValueError("line too long")

    outcome = attempt(lines)
    assert outcome.items == ["one", "two"] and outcome.raised(ValueError)


def test_attempt_with_a_deadline_stops_waiting_and_unblocks_the_call():
    release = threading.Event()
    outcome = attempt(release.wait, 30, deadline=0.2, on_hang=release.set)
    assert outcome.hung and outcome.describe() == "did not return within 0.2 s"
    assert release.is_set()


def test_the_first_matching_hint_wins_by_cause():
    hints = [Hint(raised(TimeoutError), "waiting"), Hint(lambda o: o.value == 0, "zero"),
             Hint(always, "default")]
    report = Report("t")
    report.case("a", attempt(lambda: 0), 1, hints)
    report.case("b", Outcome(error=TimeoutError()), 1, hints)
    report.case("c", attempt(lambda: 5), 1, hints)
    assert [r.hint for r in report.results] == ["zero", "waiting", "default"]


def test_short_cuts_long_reprs():
    assert short("x" * 100) == repr("x" * 100)[:57] + "..."
    assert short("ok") == "'ok'"


def test_a_report_shows_nothing_as_a_cell_value_and_prints_its_verdict(capsys):
    report = Report("demo")
    report.check(True, "one")
    report.check(False, "two", "do this")
    assert report.finish() is report
    assert report._ipython_display_() is None
    out = capsys.readouterr().out
    assert out.splitlines() == ["✔ one", "✘ two", "    hint: do this", "demo: 1 of 2 checks failed. Keep going!"]


# ---------------------------------------------------------------------- watch
def test_the_watch_tells_the_students_sockets_from_the_kits():
    with Server("echo", name="watch-kit") as server, Watch() as watch:
        kit = socket.create_connection(server.address)  # this file is outside the kit: the student's
        with socket.socket() as other:
            pass
        assert set(watch.sockets()) == {kit, other}
        assert watch.left_open() == [kit]
        watch.close_all()
        assert kit.fileno() == -1
        server.wait_idle()
        # The server's own accepted sockets were never counted.
        assert len(watch.sockets()) == 2


def test_the_watch_counts_sockets_left_to_the_garbage_collector():
    with Watch() as watch:
        socket.socket()  # dropped at once, never closed
        with socket.socket():
            pass
        assert watch.count_collected() == 1


def test_the_watch_restores_every_setting_on_every_path():
    before = (socket.socket.__init__, threading.excepthook, socket.getdefaulttimeout(),
              list(warnings.filters))
    with pytest.raises(RuntimeError):
        with Watch(timeout=1.5):
            assert socket.getdefaulttimeout() == 1.5
            assert socket.socket.__init__ is not before[0]
            raise RuntimeError("the check itself failed")
    after = (socket.socket.__init__, threading.excepthook, socket.getdefaulttimeout(),
             list(warnings.filters))
    assert after == before


def test_default_timeout_is_restored():
    before = socket.getdefaulttimeout()
    with default_timeout(1.0):
        assert socket.getdefaulttimeout() == 1.0
    assert socket.getdefaulttimeout() == before


def test_exceptions_of_the_students_threads_are_recorded_not_printed(capsys):
    with Watch() as watch:
        thread = threading.Thread(target=lambda: 1 / 0, name="student-worker")
        thread.start()
        thread.join()
    assert watch.thread_errors == ["ZeroDivisionError: division by zero"]
    assert capsys.readouterr().err == ""


def test_exceptions_of_the_kits_threads_are_not_blamed_on_the_student():
    seen = []
    previous = threading.excepthook
    threading.excepthook = lambda args: seen.append(args.exc_type)
    try:
        with Watch() as watch:
            thread = threading.Thread(target=lambda: 1 / 0, name="sockutil-check:kit")
            thread.start()
            thread.join()
    finally:
        threading.excepthook = previous
    assert watch.thread_errors == [] and seen == [ZeroDivisionError]


def test_watch_wake_ends_a_recv_that_waits_for_nothing():
    with Server("echo", name="watch-wake", idle_timeout=30) as server, Watch(timeout=None) as watch:
        def waits_for_close():
            with socket.create_connection(server.address, timeout=30) as sock:
                return sock.recv(10)

        outcome = attempt(waits_for_close, deadline=0.3, on_hang=watch.wake)
        assert outcome.hung
        watch.close_all()


def test_a_shout_that_sends_only_part_of_the_text_is_told_to_use_sendall(capsys, monkeypatch):
    from sockutil.checks import start_here

    monkeypatch.setattr(start_here, "TIMEOUT", 0.5)

    def shout(port, text):  # what an unlucky send() does: takes part of the bytes
        data = text.encode()
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.send(data[: max(1, len(data) // 2)])
            reply = b""
            while len(reply) < len(data):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                reply += chunk
        return reply.decode()

    report = check_shout(shout)
    out = capsys.readouterr().out
    assert "the server got only part of your text" in out and "sendall()" in out
    assert not report.passed


def test_a_tidiness_case_waits_for_a_case_that_passed(capsys):
    report = Report("t")
    assert report.tidy(True, "every connection was closed") is False
    assert report.results == []  # nothing done right yet: no tick for closing nothing
    report.check(True, "works")
    assert report.tidy(True, "every connection was closed") is True
    assert capsys.readouterr().out.splitlines() == ["✔ works", "✔ every connection was closed"]


def test_all_closed_counts_open_and_collected_sockets_and_closes_what_is_left():
    with Server("echo", name="watch-closed") as server, Watch() as watch:
        with socket.create_connection(server.address):
            pass
        assert watch.all_closed(server)
        kept = socket.create_connection(server.address)
        assert not watch.all_closed(server, timeout=0.1)
        assert kept.fileno() == -1  # closed for the student
    with Watch() as watch:
        socket.socket()  # left for the garbage collector
        assert not watch.all_closed()

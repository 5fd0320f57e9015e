"""The notebook 08 check's machinery: stubs, stubborn servers, escaping errors, restored settings.

Plausible wrong solutions of the exercise live in ``tests/wrong_solutions/serve_upper``.
"""

from __future__ import annotations

import select
import selectors
import socket
import threading
import time
import warnings
from pathlib import Path
from typing import Callable

import pytest

from sockutil.checks import upper_clients
from sockutil.checks.many_clients import check_serve_upper

from tests.tool_loading import load_script

GALLERY = Path(__file__).resolve().parent / "wrong_solutions" / "serve_upper"


def upper_client(conn: socket.socket) -> None:
    with conn:
        conn.settimeout(2)
        try:
            while data := conn.recv(4096):
                conn.sendall(data.upper())
        except OSError:
            pass


def threaded_upper(listener: socket.socket, stop: threading.Event) -> None:
    listener.settimeout(0.1)
    workers = []
    while not stop.is_set():
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            continue
        worker = threading.Thread(target=upper_client, args=(conn,), daemon=True)
        worker.start()
        workers.append(worker)
    for worker in workers:
        worker.join(2)


def _not_yet() -> None:
    raise NotImplementedError("write serve_upper() first")


def test_a_stub_its_source_does_not_reveal_is_one_line_and_quick(capsys):
    calls = []

    def stub(listener, stop):
        calls.append(listener)
        _not_yet()

    report = check_serve_upper(stub)
    out = capsys.readouterr().out
    assert len(calls) == 1  # quick: the first call's NotImplementedError ends the check, no other case runs
    assert report.stopped and out.count("\n") == 1
    assert out.startswith("✘ write serve_upper() first") and "✔" not in out


def test_a_server_blocked_in_accept_is_caught_and_woken(capsys):
    def stubborn(listener, stop):
        threaded_upper(listener, stop)
        listener.settimeout(None)
        try:
            listener.accept()[0].close()  # waits for one more client, until the check wakes it
        except OSError:
            pass

    report = check_serve_upper(stubborn)
    out = capsys.readouterr().out
    assert "serve_upper() did not return within 3 s; it returned only later" in out
    assert "hint: accept() without a timeout" in out
    assert not report.passed


def test_a_server_that_never_stops_says_to_restart_the_kernel(capsys):
    gone = threading.Event()

    def forever(listener, stop):
        threaded_upper(listener, stop)
        gone.wait(10)  # ignores the flag and every wake-up; the test ends it

    try:
        check_serve_upper(forever)
    finally:
        gone.set()
    out = capsys.readouterr().out
    assert "still running in the background: restart the kernel" in out


def test_an_exception_escaping_a_worker_thread_is_reported_not_printed(capsys):
    def careless_client(conn):
        with conn:
            conn.settimeout(2)
            while data := conn.recv(4096):
                conn.sendall(data.upper())
            raise ValueError("oops")

    def careless(listener, stop):
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=careless_client, args=(conn,), daemon=True).start()

    check_serve_upper(careless)
    captured = capsys.readouterr()
    assert "✘ an exception escaped a thread: ValueError: oops" in captured.out
    assert captured.err == ""


def test_the_check_restores_every_setting_it_touches():
    hook, init = threading.excepthook, socket.socket.__init__
    timeout, filters = socket.getdefaulttimeout(), list(warnings.filters)
    report = check_serve_upper(threaded_upper)
    assert report.passed
    assert threading.excepthook is hook and socket.socket.__init__ is init
    assert socket.getdefaulttimeout() == timeout and warnings.filters == filters


def test_the_check_lends_the_server_no_default_timeout():
    """A missing settimeout must not be hidden: the server's sockets get what a notebook gives them."""
    seen: list[float | None] = []

    def spy(listener, stop):
        seen.append(socket.getdefaulttimeout())
        threaded_upper(listener, stop)

    check_serve_upper(spy)
    assert seen == [None]


#: Bytes of each client's message that ``make_selectors_upper``'s loop keeps for its hook.
HEARD = 16


def make_selectors_upper(select_timeout: float | None = 0.1,
                         before_close: Callable[[bytes, threading.Event], object] | None = None,
                         after_close: Callable[[bytes], object] | None = None) -> Callable:
    """The notebook's selectors loop, in capitals: one thread, a write buffer per client.

    ``before_close(heard, stop)`` runs when a client's end of stream comes,
    with the first ``HEARD`` bytes that client sent: a test's hook to hold the loop there;
    ``after_close(heard)`` once its socket is closed.
    """
    def serve_upper(listener: socket.socket, stop: threading.Event) -> None:
        listener.setblocking(False)
        selector = selectors.DefaultSelector()
        selector.register(listener, selectors.EVENT_READ)
        owed: dict[socket.socket, bytes] = {}
        heard: dict[socket.socket, bytes] = {}

        def drop(conn: socket.socket) -> None:
            selector.unregister(conn)
            del owed[conn]
            conn.close()

        try:
            while not stop.is_set():
                for key, mask in selector.select(select_timeout):
                    sock = key.fileobj
                    if sock is listener:
                        try:
                            conn, _ = listener.accept()
                        except (BlockingIOError, ConnectionAbortedError):
                            continue
                        conn.setblocking(False)
                        owed[conn] = heard[conn] = b""
                        selector.register(conn, selectors.EVENT_READ)
                    elif mask & selectors.EVENT_READ:
                        try:
                            data = sock.recv(4096)
                        except BlockingIOError:
                            continue
                        except OSError:
                            data = b""
                        if not data:
                            if before_close is not None:
                                before_close(heard[sock], stop)
                            said = heard.pop(sock)
                            drop(sock)
                            if after_close is not None:
                                after_close(said)
                            continue
                        heard[sock] = (heard[sock] + data)[:HEARD]   # bounded: 8 MB in 4 KB pieces would copy quadratically
                        owed[sock] = data.upper()
                        selector.modify(sock, selectors.EVENT_WRITE)
                    else:
                        try:
                            sent = sock.send(owed[sock])
                        except BlockingIOError:
                            continue
                        except OSError:
                            drop(sock)
                            continue
                        owed[sock] = owed[sock][sent:]
                        if not owed[sock]:
                            selector.modify(sock, selectors.EVENT_READ)
        finally:
            for conn in list(owed):
                drop(conn)
            selector.close()

    return serve_upper


selectors_upper = make_selectors_upper()


def test_a_selectors_loop_with_a_write_buffer_passes_too(capsys):
    report = check_serve_upper(selectors_upper)
    out = capsys.readouterr().out
    assert report.passed, out


def test_an_end_of_stream_dealt_with_late_does_not_pass_for_stop(capsys, monkeypatch):
    """select() with no timeout wakes for nothing but events: the stop case must not be passed by a late one.

    The check's last client closes its side before stop is set. On a loaded
    machine the loop may deal with that end only after stop is set, wake, and
    return, as if it had looked at stop. The hook makes that certain: the loop
    holds that client's end until stop is set. A CI run once passed the
    gallery's ``selectors_select_no_timeout`` this way.
    """
    monkeypatch.setattr(upper_clients, "QUIESCE_TIMEOUT", 0.3)   # the test's patience, not the race's

    def held_until_stop(heard: bytes, stop: threading.Event) -> None:
        if heard == b"last\n":   # the check's last client before the stop
            stop.wait(30)

    report = check_serve_upper(make_selectors_upper(select_timeout=None, before_close=held_until_stop))
    out = capsys.readouterr().out
    assert not report.passed, out
    failed = [result for result in report.failures if "stop is set" in result.what]
    assert failed and "close its socket at once" in failed[0].hint, out


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux's /proc for the threads' states")
def test_a_loop_late_back_to_its_wait_does_not_pass_for_stop(capsys):
    """select() with no timeout: stop must come while the loop waits, not while it is on its way back.

    The check's last client is closed by the loop, and the check sees it;
    but the loop still has to go round to select() again, and looks at stop
    on the way. Set in that moment (a loaded machine), stop is seen, and a
    loop that would never have looked again passes: a clean-clone CI run and
    a stress run here passed the gallery's selectors_select_no_timeout so.
    The hook makes the moment long: the loop spins 0.5 s after that close.
    """
    def spins_after_the_last(said: bytes) -> None:
        if said == b"last\n":
            end = time.monotonic() + 0.5
            while time.monotonic() < end:   # running, not waiting: as a thread not yet back
                pass

    report = check_serve_upper(make_selectors_upper(select_timeout=None, after_close=spins_after_the_last))
    out = capsys.readouterr().out
    failed = [result for result in report.failures if "stop is set" in result.what]
    assert failed and "selector.select(timeout=0.1)" in failed[0].hint, out


def test_a_connection_accepted_late_does_not_pass_for_stop(capsys, monkeypatch):
    """accept() with no timeout returns for nothing but a connection: a late one must not pass the stop case.

    On a loaded machine the loop may accept the check's last client only
    after stop is set, and return, as if it had looked at stop. The hook makes
    that certain: once it has accepted that client (which sends b"last\\n"
    at once), the loop holds until stop is set. A CI run once passed the
    gallery's ``accept_without_timeout`` this way.
    """
    monkeypatch.setattr(upper_clients, "QUIESCE_TIMEOUT", 0.3)   # the test's patience, not the race's

    echo = load_script(GALLERY / "accept_without_timeout.py", "upper_accept_without_timeout").upper_echo

    def accepts_without_timeout(listener: socket.socket, stop: threading.Event) -> None:
        while not stop.is_set():
            conn, _ = listener.accept()
            if select.select([conn], [], [], 1.0)[0] and conn.recv(5, socket.MSG_PEEK) == b"last\n":
                stop.wait(30)   # the hook: the check's last client, dealt with after stop only
            threading.Thread(target=echo, args=(conn,), daemon=True).start()

    report = check_serve_upper(accepts_without_timeout)
    out = capsys.readouterr().out
    assert any("stop is set" in result.what for result in report.failures), out


def test_a_server_that_closes_the_listener_at_once_gets_a_verdict_not_a_traceback(capsys):
    def closes_it(listener, stop):
        listener.close()   # the student's mistake: the socket the clients need is gone
        stop.wait(5)

    report = check_serve_upper(closes_it)
    out = capsys.readouterr().out
    assert not report.passed
    assert "Traceback" not in out and "✘" in out

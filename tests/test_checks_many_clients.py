"""The notebook 08 check tells a concurrent server from an iterative one, in words, without hanging."""

from __future__ import annotations

import math
import selectors
import socket
import threading
import time

from sockutil.checks.many_clients import ServerUnderTest, check_serve_upper, time_clients


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


def iterative_upper(listener: socket.socket, stop: threading.Event) -> None:
    listener.settimeout(0.1)
    while not stop.is_set():
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            continue
        upper_client(conn)


def selectors_upper(listener: socket.socket, stop: threading.Event, buffered: bool = True) -> None:
    listener.setblocking(False)
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    owed: dict[socket.socket, bytes] = {}

    def drop(conn: socket.socket) -> None:
        selector.unregister(conn)
        del owed[conn]
        conn.close()

    try:
        while not stop.is_set():
            for key, mask in selector.select(0.1):
                sock = key.fileobj
                if sock is listener:
                    conn, _ = listener.accept()
                    conn.setblocking(False)
                    owed[conn] = b""
                    selector.register(conn, selectors.EVENT_READ)
                elif mask & selectors.EVENT_READ:
                    try:
                        data = sock.recv(4096)
                    except OSError:
                        data = b""
                    if not data:
                        drop(sock)
                    elif buffered:
                        owed[sock] = data.upper()
                        selector.modify(sock, selectors.EVENT_WRITE)
                    else:
                        try:
                            sock.sendall(data.upper())  # the mistake: may stop half-way
                        except BlockingIOError:
                            drop(sock)
                else:
                    sent = sock.send(owed[sock])
                    owed[sock] = owed[sock][sent:]
                    if not owed[sock]:
                        selector.modify(sock, selectors.EVENT_READ)
    finally:
        for conn in list(owed):
            drop(conn)
        selector.close()


def test_a_thread_per_client_passes(capsys):
    check_serve_upper(threaded_upper)
    out = capsys.readouterr().out
    assert "all 8 checks passed" in out and "✘" not in out


def test_a_buffered_selectors_loop_passes(capsys):
    check_serve_upper(selectors_upper)
    out = capsys.readouterr().out
    assert "all 8 checks passed" in out and "✘" not in out


def test_an_iterative_server_fails_the_race_with_a_hint(capsys):
    check_serve_upper(iterative_upper)
    out = capsys.readouterr().out
    assert "✘ 7 clients at once, one of them slow: 0 of the 6 fast ones" in out
    assert "hint: serving one client at a time" in out
    assert "✔ the slow client was answered too" in out
    assert "1 of 8 checks failed" in out


def test_sendall_on_a_non_blocking_socket_loses_the_big_message(capsys):
    check_serve_upper(lambda listener, stop: selectors_upper(listener, stop, buffered=False))
    out = capsys.readouterr().out
    assert "✘ an 8 MB message comes back whole" in out
    assert "write buffer" in out


def test_a_raising_stub_is_reported_in_words_quickly(capsys):
    def stub(listener, stop):
        raise NotImplementedError("write serve_upper() first")

    started = time.monotonic()
    check_serve_upper(stub)
    out = capsys.readouterr().out
    assert time.monotonic() - started < 2
    assert "your server raised NotImplementedError: write serve_upper() first" in out
    assert "Traceback" not in out
    assert "checks failed" in out


def test_a_server_that_ignores_stop_is_caught(capsys):
    def stubborn(listener, stop):
        threaded_upper(listener, stop)
        time.sleep(2.5)  # ignores the flag for too long, but ends for the test's sake

    check_serve_upper(stubborn)
    out = capsys.readouterr().out
    assert "✘ your server did not return within 2 s after stop was set" in out


def test_a_server_that_never_stops_says_to_restart_the_kernel(capsys):
    gone = threading.Event()

    def forever(listener, stop):
        threaded_upper(listener, stop)
        gone.wait(4)  # ignores the flag; the test ends it later so no thread lingers

    try:
        check_serve_upper(forever)
    finally:
        gone.set()
    out = capsys.readouterr().out
    assert "still running in the background: restart the kernel" in out


def test_an_exception_escaping_a_worker_thread_is_reported_not_printed(capsys):
    def careless_client(conn):
        with conn:
            data = conn.recv(4096)
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


def test_excepthook_is_restored():
    before = threading.excepthook
    with ServerUnderTest(threaded_upper):
        assert threading.excepthook is not before
    assert threading.excepthook is before


def test_time_clients_shows_the_slow_client_blocking_an_iterative_echo():
    def echo_one_at_a_time(listener, stop):
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(2)
                while data := conn.recv(4096):
                    conn.sendall(data)

    with ServerUnderTest(echo_one_at_a_time) as server:
        race = time_clients(server.port, fast=3, slow_delay=0.2, patience=0.5)
    assert race.answered == race.clients == 4
    assert race.fast_before_slow_sent == 0
    assert min(race.fast) >= race.slow_sent >= 0.5 and race.slow >= 0.5
    assert len(race.times) == 4


def test_time_clients_slow_client_waits_for_the_fast_ones_on_a_concurrent_server():
    with ServerUnderTest(threaded_upper) as server:
        race = time_clients(server.port, fast=6, slow_delay=0.0, message=b"hi\n",
                            expected=b"HI\n", patience=3.0)
    assert race.answered == race.clients
    assert race.fast_before_slow_sent == 6  # an order of events, not a clock
    assert max(race.fast) < race.slow_sent < 3.0


def test_time_clients_counts_a_refused_server_as_failures():
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        port = placeholder.getsockname()[1]
    race = time_clients(port, fast=2, slow_delay=0.1, timeout=0.5)
    assert race.answered == 0 and race.slow == math.inf
    assert race.errors and race.errors[0] == "ConnectionRefusedError"

"""The checks of notebook 05 tell right from wrong, in words, without hanging or leaking."""

from __future__ import annotations

import socket
import threading

import pytest

from sockutil.checks import socket_api
from sockutil.checks.socket_api import MAX_RECVS_AFTER_EOF, check_drain, check_serve_once


# ------------------------------------------------------------------ drain
def good_drain(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(4096):
        data += chunk
    return data


def recv_into_drain(sock: socket.socket) -> bytes:
    buffer = bytearray(1024)
    data = bytearray()
    while count := sock.recv_into(buffer):
        data += buffer[:count]
    return bytes(data)


def short_chunk_drain(sock: socket.socket) -> bytes:
    # The classic mistake: a chunk shorter than the buffer is taken for the end.
    data = b""
    while True:
        chunk = sock.recv(4096)
        data += chunk
        if len(chunk) < 4096:
            return data


def one_recv_drain(sock: socket.socket) -> bytes:
    return sock.recv(65536)


def endless_drain(sock: socket.socket) -> bytes:
    # Never stops at b'': without the check's guard this would spin forever.
    data = b""
    while True:
        data += sock.recv(4096)


def test_a_correct_drain_passes(capsys):
    check_drain(good_drain)
    out = capsys.readouterr().out
    assert "drain: all 5 checks passed." in out and "✘" not in out


def test_a_recv_into_loop_passes_too(capsys):
    check_drain(recv_into_drain)
    assert "drain: all 5 checks passed." in capsys.readouterr().out


def test_a_short_chunk_is_not_the_end(capsys):
    check_drain(short_chunk_drain)
    out = capsys.readouterr().out
    assert "✘ a message sent in 14 pieces, 20 ms apart, comes back whole: got only the first" in out
    assert "hint: a short chunk is not the end" in out
    assert "✔ a server that closes without sending anything" in out


def test_one_recv_fails_the_long_cases(capsys):
    check_drain(one_recv_drain)
    out = capsys.readouterr().out
    assert "✘ 300 000 bytes come back whole: got only the first" in out
    assert "checks failed" in out


def test_a_loop_that_ignores_empty_bytes_is_stopped_and_named(capsys):
    check_drain(endless_drain)
    out = capsys.readouterr().out
    assert f"recv() was called {MAX_RECVS_AFTER_EOF} more times after it returned b''" in out
    assert "✘ drain() stops calling recv() at the first b''" in out
    assert "5 of 5 checks failed" in out


def test_a_stub_is_reported_in_words(capsys):
    def stub(sock):
        raise NotImplementedError("write drain() first")

    check_drain(stub)
    out = capsys.readouterr().out
    assert "raised NotImplementedError: write drain() first" in out


def test_text_instead_of_bytes_is_shown(capsys):
    check_drain(lambda sock: good_drain(sock).decode())
    out = capsys.readouterr().out
    assert "got 'Hello, world!\\n'" in out


# ------------------------------------------------------------- serve_once
def good_serve_once(announce) -> bytes:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(1.0)
        announce(listener.getsockname()[1])
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(1.0)
            received = good_drain(conn)
            conn.sendall(received.upper())
    return received


def one_recv_serve_once(announce) -> bytes:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(1.0)
        announce(listener.getsockname()[1])
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(1.0)
            received = conn.recv(65536)  # the mistake: one recv is not the whole request
            conn.sendall(received.upper())
    return received


def leaky_serve_once(announce) -> bytes:
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(1.0)
    announce(listener.getsockname()[1])
    conn, _ = listener.accept()  # no close anywhere: the garbage collector does it
    conn.settimeout(1.0)
    received = good_drain(conn)
    conn.sendall(received.upper())
    return received


def send_not_sendall_serve_once(announce) -> bytes:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(1.0)
        announce(listener.getsockname()[1])
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(1.0)
            received = good_drain(conn)
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
            conn.send(received.upper())  # the mistake: send() may take only part
    return received


def no_timeout_serve_once(announce) -> bytes:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(None)  # waits for ever for a client, whatever the default timeout
        announce(listener.getsockname()[1])
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(1.0)
            received = good_drain(conn)
            conn.sendall(received.upper())
    return received


def test_a_correct_server_passes(capsys):
    check_serve_once(good_serve_once)
    out = capsys.readouterr().out
    assert "serve_once: all 12 checks passed." in out and "✘" not in out


def test_a_stub_gives_one_clear_line(capsys):
    def stub(announce):
        raise NotImplementedError("write serve_once() first")

    check_serve_once(stub)
    out = capsys.readouterr().out
    assert "before announcing a port, it raised NotImplementedError: write serve_once() first" in out
    assert "serve_once: 1 of 1 checks failed" in out


def test_one_recv_loses_the_later_pieces(capsys):
    check_serve_once(one_recv_serve_once)
    out = capsys.readouterr().out
    assert "✘ a client sends 3 pieces 50 ms apart" in out
    assert "✔ a client sends b'hello' and half-closes" in out


def conn_leaky_serve_once(announce) -> bytes:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(1.0)
        announce(listener.getsockname()[1])
        conn, _ = listener.accept()  # never closed: the garbage collector does it
        conn.settimeout(1.0)
        received = good_drain(conn)
        conn.sendall(received.upper())
        return received


def test_a_listener_left_open_is_caught(capsys):
    check_serve_once(leaky_serve_once)
    out = capsys.readouterr().out
    # The TimeoutError of the no-client case still holds the listener: it accepts.
    assert "✘ every socket was closed: a listening socket still took connections" in out
    assert "✔ a client sends b'hello' and half-closes" in out


def test_sockets_left_to_the_garbage_collector_are_caught(capsys):
    check_serve_once(conn_leaky_serve_once)
    out = capsys.readouterr().out
    assert "✘ every socket was closed: 6 socket(s) were left for the garbage collector" in out
    assert "✔ a client sends b'hello' and half-closes" in out


def test_send_instead_of_sendall_loses_bytes(capsys):
    check_serve_once(send_not_sendall_serve_once)
    out = capsys.readouterr().out
    assert "✘ a client sends 300 000 bytes: they all come back in capitals: got only" in out


@pytest.mark.timeout(30)
def test_a_listener_without_timeout_is_named_and_the_check_does_not_hang(capsys):
    check_serve_once(no_timeout_serve_once)
    out = capsys.readouterr().out
    assert "✘ with no client at all, serve_once raises TimeoutError: it was still waiting" in out
    assert "hint: give the listening socket a timeout" in out
    # The check connected once to end the student's accept(), so the thread is gone.
    for thread in threading.enumerate():
        if thread.name.startswith(socket_api.THREAD_PREFIX):
            thread.join(10)
            assert not thread.is_alive()


def test_a_function_that_never_announces_is_reported(capsys):
    done = threading.Event()

    def silent(announce):
        done.wait(10.0)
        return b""

    try:
        check_serve_once(silent)
    finally:
        done.set()
    out = capsys.readouterr().out
    assert "announce(port) was not called within 2 s" in out
    assert "serve_once: 1 of 1 checks failed" in out


def test_a_listener_with_only_the_default_timeout_is_named(capsys):
    def default_only(announce):
        with socket.create_server(("127.0.0.1", 0)) as listener:
            announce(listener.getsockname()[1])
            conn, _ = listener.accept()
            with conn:
                received = good_drain(conn)
                conn.sendall(received.upper())
        return received

    check_serve_once(default_only)
    out = capsys.readouterr().out
    assert "✘ with no client at all, serve_once raises TimeoutError: it was still waiting" in out
    assert "✘ a silent client (connects, sends nothing, never half-closes)" in out
    assert "serve_once: 2 of 12 checks failed" in out


def test_an_accepted_socket_without_its_own_timeout_is_named(capsys):
    def no_conn_timeout(announce):
        with socket.create_server(("127.0.0.1", 0)) as listener:
            listener.settimeout(1.0)
            announce(listener.getsockname()[1])
            conn, _ = listener.accept()   # only the check's process-wide default timeout
            with conn:
                received = good_drain(conn)
                conn.sendall(received.upper())
        return received

    check_serve_once(no_conn_timeout)
    out = capsys.readouterr().out
    assert ("✘ a silent client (connects, sends nothing, never half-closes): serve_once gives up "
            "after about 1 s: it was still waiting in recv() after 1.8 s") in out
    assert "hint: give the accepted socket its own timeout: conn.settimeout(1.0)" in out
    assert "serve_once: 1 of 12 checks failed" in out

"""The checks of notebook 05: they end what would hang, leave nothing running, and word causes right.

Plausible wrong solutions live in the gallery, tests/wrong_solutions/drain/ and
tests/wrong_solutions/serve_once/.
"""

from __future__ import annotations

import socket
import sys
import threading
from pathlib import Path

import pytest

from sockutil.checks import socket_api
from sockutil.checks.socket_api import MAX_RECVS_AFTER_EOF, check_drain, check_serve_once

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_wrong_solutions import GALLERY, load, run_check  # noqa: E402


def student_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(socket_api.THREAD_PREFIX)]


# ------------------------------------------------------------------ drain
def test_a_recv_into_loop_passes_too(capsys):
    def recv_into_drain(sock: socket.socket) -> bytes:
        buffer = bytearray(1024)
        data = bytearray()
        while count := sock.recv_into(buffer):
            data += buffer[:count]
        return bytes(data)

    assert check_drain(recv_into_drain).passed, capsys.readouterr().out


def test_a_loop_that_ignores_empty_bytes_is_stopped_and_counted(capsys):
    report = run_check(GALLERY / "drain" / "ignores_empty_bytes.py")
    out = capsys.readouterr().out
    assert f"recv() was called {MAX_RECVS_AFTER_EOF} more times after it returned b''" in out
    assert len(report.failures) == 4 and "Traceback" not in out


def test_the_check_restores_the_default_timeout(capsys):
    before = socket.getdefaulttimeout()
    run_check(GALLERY / "drain" / "right.py")
    run_check(GALLERY / "serve_once" / "never_closes_the_sockets.py")
    capsys.readouterr()
    assert socket.getdefaulttimeout() == before


# ------------------------------------------------------------- serve_once
@pytest.mark.timeout(30)
def test_a_listener_without_timeout_is_named_and_the_check_leaves_no_thread(capsys):
    report = run_check(GALLERY / "serve_once" / "no_timeout_on_the_listener.py")
    out = capsys.readouterr().out
    assert "✘ with no client at all, serve_once raises TimeoutError: it was still waiting" in out
    assert not report.passed
    for thread in student_threads():
        thread.join(10)
        assert not thread.is_alive()


def test_a_function_that_never_announces_is_reported_and_ended(capsys):
    release = threading.Event()

    def silent(announce):
        release.wait(10.0)
        return b""

    try:
        report = check_serve_once(silent)
    finally:
        release.set()
    out = capsys.readouterr().out
    assert "announce(port) was not called within 2 s" in out
    assert "serve_once: 1 of 1 checks failed" in out and not report.passed


def test_a_partial_send_is_told_to_use_sendall(capsys):
    """The server returned the whole request, the client got less: the reply was cut, not the request."""
    drain = load(GALLERY / "serve_once" / "right.py").drain

    def send_not_sendall(announce) -> bytes:
        with socket.create_server(("127.0.0.1", 0)) as listener:
            listener.settimeout(1.0)
            announce(listener.getsockname()[1])
            conn, _ = listener.accept()
            with conn:
                conn.settimeout(1.0)
                received = drain(conn)
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)  # so that send() takes part
                conn.send(received.upper())
        return received

    check_serve_once(send_not_sendall)
    out = capsys.readouterr().out
    assert "✘ a client sends 300 000 bytes: they all come back in capitals: got only" in out
    assert "hint: send() may take only part of the reply: use sendall()" in out
    assert "✔ serve_once returned all 300 000 bytes" in out


def test_a_listener_with_only_the_default_timeout_is_named(capsys):
    drain = load(GALLERY / "serve_once" / "right.py").drain

    def default_only(announce):
        with socket.create_server(("127.0.0.1", 0)) as listener:
            announce(listener.getsockname()[1])
            conn, _ = listener.accept()
            with conn:
                received = drain(conn)
                conn.sendall(received.upper())
        return received

    check_serve_once(default_only)
    out = capsys.readouterr().out
    assert "✘ with no client at all, serve_once raises TimeoutError: it was still waiting" in out
    assert "✘ a silent client (connects, sends nothing, never half-closes)" in out
    assert "serve_once: 2 of 12 checks failed" in out


def test_a_drain_that_shortens_the_timeout_is_paused_for_and_told(capsys):
    """It lets TimeoutError propagate, but it shortened its caller's timeout: the pause after line one ends it."""
    def shortens(sock: socket.socket) -> bytes:
        sock.settimeout(0.3)
        data = b""
        while chunk := sock.recv(4096):
            data += chunk
        return data

    report = check_drain(shortens)
    out = capsys.readouterr().out
    assert not report.passed
    assert "comes back whole: raised TimeoutError" in out
    assert "drain() set the socket's timeout to 0.3 s, shorter than its owner's" in out
    assert "✔ 300 000 bytes come back whole" in out, "no pause where the check does not make one"


def test_the_pieces_are_not_held_for_a_drain_that_keeps_its_callers_timeout(monkeypatch):
    """The right drain never meets the pause: its recv() never times out."""
    from sockutil.checks.eof_watch import CountingSocket

    timeouts: list[int] = []
    original_recv = CountingSocket.recv

    def counting_recv(self, bufsize, flags=0):
        try:
            return original_recv(self, bufsize, flags)
        finally:
            timeouts.append(self.timeouts)

    monkeypatch.setattr(CountingSocket, "recv", counting_recv)
    assert check_drain(load(GALLERY / "drain" / "right.py").drain).passed
    assert timeouts and not any(timeouts)


def test_a_reset_in_the_listen_queue_is_a_verdict_not_a_traceback(monkeypatch, capsys):
    """A listener closed while the check's SYN waits in its queue resets the connect (seen under load, Python 3.13).

    The hook: the silent client's connect raises what the kernel raised then.
    """
    import contextlib

    @contextlib.contextmanager
    def reset_while_connecting(port):
        raise ConnectionResetError(104, "Connection reset by peer")
        yield  # pragma: no cover - never reached

    monkeypatch.setattr(socket_api, "silent_client", reset_while_connecting)
    report = run_check(GALLERY / "serve_once" / "non_blocking_listener.py")
    out = capsys.readouterr().out
    assert not report.passed and "Traceback" not in out
    assert "a silent client" in out and "the connection was reset: serve_once had already ended" in out
    assert student_threads() == []

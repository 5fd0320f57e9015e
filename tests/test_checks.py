"""Self-checks must tell a right answer from a wrong one, in words, without hanging."""

from __future__ import annotations

import socket

from sockutil.checks import default_timeout
from sockutil.checks.start_here import check_shout


def good_shout(port: int, text: str) -> str:
    data = text.encode()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(data)
        reply = b""
        while len(reply) < len(data):
            chunk = sock.recv(65536)
            if not chunk:
                break
            reply += chunk
    return reply.decode()


def one_recv_shout(port: int, text: str) -> str:
    # The classic mistake: one recv() is taken for the whole reply.
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(text.encode())
        return sock.recv(65536).decode()


def test_correct_solution_passes(capsys):
    check_shout(good_shout)
    out = capsys.readouterr().out
    assert "all 4 checks passed" in out and "✘" not in out


def test_single_recv_fails_the_long_text_with_a_hint(capsys):
    check_shout(one_recv_shout)
    out = capsys.readouterr().out
    assert "✘ a 300 000-character text comes back whole" in out
    assert "hint: recv() may return fewer bytes" in out
    assert "1 of 4 checks failed" in out


def test_a_raising_stub_is_reported_in_words(capsys):
    def stub(port, text):
        raise NotImplementedError("write shout() first")

    check_shout(stub)
    out = capsys.readouterr().out
    assert "raised NotImplementedError: write shout() first" in out
    assert "3 of 4 checks failed" in out


def test_a_client_that_never_closes_is_caught(capsys):
    kept = []

    def leaky(port, text):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        kept.append(sock)
        sock.sendall(text.encode())
        reply = b""
        while len(reply) < len(text):
            reply += sock.recv(65536)
        return reply.decode()

    try:
        check_shout(leaky)
    finally:
        for sock in kept:
            sock.close()
    out = capsys.readouterr().out
    assert "✘ every connection was closed by your code" in out


def test_default_timeout_is_restored():
    before = socket.getdefaulttimeout()
    with default_timeout(1.0):
        assert socket.getdefaulttimeout() == 1.0
    assert socket.getdefaulttimeout() == before


def test_a_client_that_leaves_closing_to_the_garbage_collector_is_caught(capsys):
    def careless(port, text):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)  # never closed
        sock.sendall(text.encode())
        reply = b""
        while len(reply) < len(text):
            reply += sock.recv(65536)
        return reply.decode()

    check_shout(careless)
    out = capsys.readouterr().out
    assert "✘ every connection was closed by your code" in out
    assert "3 of 4" not in out and "1 of 4 checks failed" in out

"""The checks of notebook 02 must pass right answers and catch each classic mistake, quickly."""

from __future__ import annotations

import socket

import pytest

from sockutil import Server, recv_exactly
from sockutil.checks.client_server import calculate, check_ask, check_serve_n


# ------------------------------------------------------------------ the calculator


@pytest.mark.parametrize(
    "question, answer",
    [("6 * 7", "42"), ("2 + 3", "5"), ("2 - 5", "-3"), ("6 / 3", "error: ask like 6 * 7"),
     ("six * 7", "error: ask like 6 * 7"), ("", "error: ask like 6 * 7")],
)
def test_calculate(question, answer):
    assert calculate(question) == answer


def test_the_calculator_answers_several_questions_on_one_connection():
    from sockutil.checks.client_server import calculator

    with Server(calculator, name="test-calculator") as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(b"6 * 7\n2 + 3\n")
            assert recv_exactly(sock, 5) == b"42\n5\n"
            sock.sendall(b"123456789 * 987654321\n")  # sent in pieces
            assert recv_exactly(sock, 19) == b"121932631112635269\n"
        server.wait_idle()


# ------------------------------------------------------------------ ask


def good_ask(port, question):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(question.encode() + b"\n")
        answer = b""
        while not answer.endswith(b"\n"):
            chunk = sock.recv(1024)
            if not chunk:
                break
            answer += chunk
    return answer.decode().rstrip("\n")


def test_a_correct_ask_passes(capsys):
    check_ask(good_ask)
    out = capsys.readouterr().out
    assert "ask: all 5 checks passed." in out and "✘" not in out


def test_one_recv_fails_the_long_answer_with_a_hint(capsys):
    def ask(port, question):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(question.encode() + b"\n")
            return sock.recv(1024).decode().rstrip("\n")

    check_ask(ask)
    out = capsys.readouterr().out
    assert "✘ a long answer sent in pieces, 10 ms apart, comes back whole: got" in out
    assert "hint: one recv() returns whatever has arrived so far" in out
    assert "1 of 5 checks failed" in out


def test_a_question_without_newline_ends_quickly_with_a_hint(capsys):
    def ask(port, question):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(question.encode())
            return sock.recv(1024).decode()

    check_ask(ask)
    out = capsys.readouterr().out
    assert "✘ ask(port, '6 * 7') == '42': got ''" in out
    assert "hint: send the question followed by b'\\n'" in out


def test_a_client_that_never_closes_is_caught(capsys):
    kept = []

    def ask(port, question):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        kept.append(sock)
        sock.sendall(question.encode() + b"\n")
        answer = b""
        while not answer.endswith(b"\n"):
            answer += sock.recv(1024)
        return answer.decode().strip()

    try:
        check_ask(ask)
    finally:
        for sock in kept:
            sock.close()
    out = capsys.readouterr().out
    assert "✘ every connection was closed by your code" in out
    assert "1 of 5 checks failed" in out


def test_a_raising_ask_is_reported_in_words(capsys):
    def ask(port, question):
        raise NotImplementedError("write ask() first")

    check_ask(ask)
    out = capsys.readouterr().out
    assert "raised NotImplementedError: write ask() first" in out
    assert "Traceback" not in out
    assert "4 of 5 checks failed" in out


# ------------------------------------------------------------------ serve_n


def good_serve_n(listener, n):
    received = {}
    for _ in range(n):
        conn, address = listener.accept()
        with conn:
            data = b""
            while chunk := conn.recv(65536):
                data += chunk
        received[address] = data
    return received


def test_a_correct_server_loop_passes(capsys):
    check_serve_n(good_serve_n)
    out = capsys.readouterr().out
    assert "serve_n: all 6 checks passed." in out and "✘" not in out


def test_one_recv_per_client_loses_bytes(capsys):
    def serve_n(listener, n):
        received = {}
        for _ in range(n):
            conn, address = listener.accept()
            with conn:
                received[address] = conn.recv(65536)
        return received

    check_serve_n(serve_n)
    out = capsys.readouterr().out
    assert "✘ a client that sent 3 pieces, 20 ms apart: got 5 bytes, expected 20 bytes" in out
    assert "hint: recv() returns what has arrived so far" in out
    assert "✔ a client that sent nothing at all" in out


def test_keys_other_than_the_address_are_caught(capsys):
    def serve_n(listener, n):
        by_number = good_serve_n(listener, n)
        return {i: data for i, data in enumerate(by_number.values())}

    check_serve_n(serve_n)
    out = capsys.readouterr().out
    assert "✘ one entry for each of the 4 clients, keyed by the address accept() returned" in out
    assert "✘ a client that sent one short message: no entry" in out


def test_accepting_too_many_ends_in_a_timeout_in_words(capsys):
    check_serve_n(lambda listener, n: good_serve_n(listener, n + 1))
    out = capsys.readouterr().out
    assert "✘ serve_n(listener, 4) raised TimeoutError" in out
    assert "hint: accept exactly n clients" in out


def test_connections_kept_open_are_caught(capsys):
    kept = []

    def serve_n(listener, n):
        received = {}
        for _ in range(n):
            conn, address = listener.accept()
            kept.append(conn)
            data = b""
            while chunk := conn.recv(65536):
                data += chunk
            received[address] = data
        return received

    try:
        check_serve_n(serve_n)
    finally:
        for conn in kept:
            conn.close()
    out = capsys.readouterr().out
    assert "✘ your server closed each connection when it was done with it" in out


def test_a_wrong_type_is_reported(capsys):
    check_serve_n(lambda listener, n: None)
    out = capsys.readouterr().out
    assert "✘ serve_n(listener, 4) returns a dict: got NoneType" in out


def test_a_raising_stub_is_reported_in_words(capsys):
    def serve_n(listener, n):
        raise NotImplementedError("write serve_n() first")

    check_serve_n(serve_n)
    out = capsys.readouterr().out
    assert "✘ serve_n(listener, 4) raised NotImplementedError: write serve_n() first" in out
    assert "Traceback" not in out


def test_an_ask_that_leaves_its_socket_to_the_garbage_collector_fails(capsys):
    def ask(port, question):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)  # never closed
        sock.sendall(question.encode() + b"\n")
        answer = b""
        while not answer.endswith(b"\n"):
            answer += sock.recv(1024)
        return answer.decode().strip()

    check_ask(ask)
    out = capsys.readouterr().out
    assert "✘ every connection was closed by your code" in out
    assert "garbage collector" in out
    assert "1 of 5 checks failed" in out


def test_a_server_loop_that_leaves_connections_to_the_garbage_collector_fails(capsys):
    def serve_n(listener, n):
        received = {}
        for _ in range(n):
            conn, address = listener.accept()  # never closed; dropped at the next accept
            data = b""
            while chunk := conn.recv(65536):
                data += chunk
            received[address] = data
        return received

    check_serve_n(serve_n)
    out = capsys.readouterr().out
    assert "✘ your server closed each connection when it was done with it" in out
    assert "garbage collector" in out
    assert "1 of 6 checks failed" in out

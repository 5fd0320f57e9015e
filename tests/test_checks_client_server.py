"""The machinery of notebook 02's checks: the calculator, deadlines that end hung code, fair blame.

Plausible student solutions, right and wrong, live in the gallery
(``tests/wrong_solutions/ask/`` and ``serve_n/``); these tests prove what the
gallery cannot: that the service behaves, that hung code is ended at the
deadline (not rescued by the server), and that nothing is left behind.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest

from sockutil import Server, recv_exactly
from sockutil.checks import client_server, server_loop
from sockutil.checks.client_server import Heard, calculate, calculator, check_ask, check_serve_n


# ------------------------------------------------------------------ the calculator


@pytest.mark.parametrize(
    "question, answer",
    [("6 * 7", "42"), ("2 + 3", "5"), ("2 - 5", "-3"), ("6 / 3", "error: ask like 6 * 7"),
     ("six * 7", "error: ask like 6 * 7"), ("", "error: ask like 6 * 7")],
)
def test_calculate(question, answer):
    assert calculate(question) == answer


def test_the_calculator_answers_several_questions_on_one_connection_and_records_them():
    heard: list[Heard] = []
    with Server(lambda conn: calculator(conn, heard), name="test-calculator") as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(b"6 * 7\n2 + 3\n")
            assert recv_exactly(sock, 5) == b"42\n5\n"
            sock.sendall(b"123456789 * 987654321\n")  # answered in pieces
            assert recv_exactly(sock, 19) == b"121932631112635269\n"
            sock.sendall(b"no newline yet")
        server.wait_idle()
    assert heard == [Heard(received=12 + 22 + 14, questions=3, answers=3)]


def test_the_calculator_waits_far_longer_than_any_call_may_take():
    # Otherwise it would close an idle connection and rescue a client that waits for the close.
    assert client_server.SERVER_IDLE >= 10 * client_server.TIMEOUT


# ------------------------------------------------------------------ ask


def waits_for_close(port, question):
    with socket.create_connection(("127.0.0.1", port)) as sock:  # no timeout of its own
        sock.sendall(question.encode() + b"\n")
        answer = b""
        while chunk := sock.recv(1024):
            answer += chunk
    return answer.decode().strip()


def test_a_client_waiting_for_the_close_is_ended_at_the_deadline_and_nothing_is_left(capsys, monkeypatch):
    monkeypatch.setattr(client_server, "TIMEOUT", 0.5)
    # The server's idle timeout made far longer than any run (pytest's own limit is 300 s): the
    # check can then only end by its deadline, and a loaded machine's slowness cannot pass for
    # a rescue by the idle timeout (a Python 3.13 run in CI once took 17 s here).
    monkeypatch.setattr(client_server, "SERVER_IDLE", 3600.0)
    before = set(threading.enumerate())
    start = time.perf_counter()
    report = check_ask(waits_for_close)
    elapsed = time.perf_counter() - start
    out = capsys.readouterr().out
    assert "did not return within 0.5 s" in out and "keeps the connection open" in out
    assert not report.passed
    assert elapsed < 120
    assert set(threading.enumerate()) <= before
    assert socket.getdefaulttimeout() is None


def test_a_stub_without_source_is_caught_at_its_first_call(capsys):
    namespace: dict = {}
    exec("def ask(port, question):\n    raise NotImplementedError('write ask() first')\n", namespace)
    report = check_ask(namespace["ask"])
    out = capsys.readouterr().out
    assert report.stopped and out.count("\n") == 1 and "✔" not in out


def test_a_client_that_hangs_only_when_others_ask_too_is_ended(capsys, monkeypatch):
    monkeypatch.setattr(client_server, "TIMEOUT", 0.5)
    calls = []
    lock = threading.Lock()

    def ask(port, question):
        with lock:
            calls.append(question)
            first = len(calls) <= 4   # the four single questions; then the five asked together
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(question.encode() + b"\n")
            if not first:
                sock.settimeout(None)  # not even the check's default timeout ends this wait
                while sock.recv(1024):  # waits for the close: only the deadline ends it
                    pass
                return ""
            answer = b""
            while not answer.endswith(b"\n"):
                answer += sock.recv(1024)
        return answer.decode().strip()

    report = check_ask(ask)
    out = capsys.readouterr().out
    assert "✘ five clients asking at the same time" in out
    assert "did not return within 1 s" in out
    assert not report.passed


def test_the_five_clients_asking_at_once_have_all_asked_before_any_answer_comes(capsys):
    # Held answers make the five calls overlap on every run: what catches a buffer shared by every call.
    lock = threading.Lock()
    asked = []   # the number of questions asked so far, read by each call when its answer comes
    seen = []

    def ask(port, question):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            with lock:
                asked.append(question)   # before sending: once an answer comes, all have counted
            sock.sendall(question.encode() + b"\n")
            answer = sock.recv(1024)
            with lock:
                seen.append(len(asked))
            while not answer.endswith(b"\n"):
                answer += sock.recv(1024)
        return answer.decode().rstrip("\n")

    report = check_ask(ask)
    assert report.passed, capsys.readouterr().out
    together = seen[-5:]          # the four single questions come first, one at a time
    assert together == [len(asked)] * 5


def test_held_answers_are_released_when_a_question_never_comes(monkeypatch):
    monkeypatch.setattr(client_server, "GATHER_WAIT", 0.05)
    gathering = client_server._Gathering(5)
    start = time.perf_counter()
    gathering.arrive()   # the only one: it waits GATHER_WAIT, then answers anyway
    assert time.perf_counter() - start < 5


def test_the_kits_timeout_is_told_from_a_clients_own(capsys):
    def ask_with_the_kits_timeout(port, question):
        with socket.create_connection(("127.0.0.1", port)) as sock:   # the check's default: 2.001 s
            sock.sendall(question.encode() + b"\n")
            answer = b""
            while not answer.endswith(b"\n"):
                answer += sock.recv(1024)
        return answer.decode().rstrip("\n")

    report = check_ask(ask_with_the_kits_timeout)
    out = capsys.readouterr().out
    assert "✘ your client connected with a timeout of its own" in out and not report.passed
    assert [r.what for r in report.failures] == ["your client connected with a timeout of its own"]
    assert socket.getdefaulttimeout() is None


# ------------------------------------------------------------------ serve_n


def test_the_address_from_getpeername_is_the_one_accept_returned(capsys):
    def serve_n(listener, n):
        received = {}
        for _ in range(n):
            conn, _ = listener.accept()
            with conn:
                data = b""
                while chunk := conn.recv(65536):
                    data += chunk
                received[conn.getpeername()] = data
        return received

    report = check_serve_n(serve_n)
    assert report.passed, capsys.readouterr().out


def test_an_accept_without_timeout_waiting_for_one_client_too_many_is_ended_and_named(capsys, monkeypatch):
    monkeypatch.setattr(server_loop, "SERVE_DEADLINE", 1.0)

    def serve_n(listener, n):
        listener.settimeout(None)  # accept() would wait for ever
        received = {}
        for _ in range(n + 1):
            conn, address = listener.accept()
            with conn:
                data = b""
                while chunk := conn.recv(65536):
                    data += chunk
            received[address] = data
        return received

    start = time.perf_counter()
    report = check_serve_n(serve_n)
    out = capsys.readouterr().out
    assert "did not return within 1 s" in out
    assert "accept exactly n clients" in out
    assert not report.passed
    # Without the check's wake the accept would wait for ever; 20 s tells that apart even on a loaded machine.
    assert time.perf_counter() - start < 20


def test_serve_n_leaves_nothing_behind(capsys):
    def serve_n(listener, n):
        kept, received = [], {}
        for _ in range(n):
            conn, address = listener.accept()
            kept.append(conn)  # never closed: the check closes them
            data = b""
            while chunk := conn.recv(65536):
                data += chunk
            received[address] = data
        return received

    before = set(threading.enumerate())
    report = check_serve_n(serve_n)
    out = capsys.readouterr().out
    assert "✘ your server closed each connection" in out and not report.passed
    assert set(threading.enumerate()) <= before
    assert socket.getdefaulttimeout() is None


def test_a_serve_n_that_accepts_nobody_is_told_to_accept_n_and_leaves_nothing_behind(capsys):
    before = set(threading.enumerate())
    report = check_serve_n(lambda listener, n: {})
    out = capsys.readouterr().out
    assert "4 were still waiting in the listen queue" in out and not report.passed
    assert set(threading.enumerate()) <= before   # the clients the check accepted itself have ended


def key_hint(result: dict, never_accepted: set) -> str:
    clients = []
    for port, (_, pieces) in zip(range(40001, 40005), server_loop.CLIENT_PLANS):
        client = server_loop._Client(("127.0.0.1", 1), pieces, lambda local: True)
        client.local = ("127.0.0.1", port)
        clients.append(client)
    return server_loop._key_hint(result, clients, ("127.0.0.1", 1), never_accepted)


def test_a_missing_empty_client_is_told_apart_by_whether_it_was_accepted():
    served = {("127.0.0.1", 40001): b"", ("127.0.0.1", 40002): b"", ("127.0.0.1", 40004): b""}
    empty = ("127.0.0.1", 40003)   # CLIENT_PLANS' third client sends nothing
    assert "sends nothing is a client too" in key_hint(served, set())          # accepted, taken for the end
    assert "1 of the 4 was still waiting" in key_hint(served, {empty})       # never accepted: one too few


@pytest.mark.parametrize("got, sent, words", [
    (b"pieces", b"sent in three pieces", "data += chunk"),       # only the end
    (b"sent ", b"sent in three pieces", "keep receiving"),       # only the start
    (b"0123456789", b"0123456789" * 3, "keep receiving"),        # the start, which is also an end
    (b"hello", b"", 'start from b""'),                              # another client's bytes, for an empty one
    (b"hellosent", b"sent", 'start from b""'),
])
def test_wrong_bytes_are_named_by_what_they_hold(got, sent, words):
    assert words in server_loop._bytes_hint(got, sent)

"""Self-checks for notebook 02, Client and server.

Two exercises, each run against the other side played for real:

* ``check_ask(ask)``: the student writes a client, ``ask(port, question)``,
  for a small line-based calculator service. The check starts that service
  (a ``Server`` with the ``calculator`` handler, which serves each client in
  its own thread) and asks it questions: short answers, a long answer the
  server sends in pieces with pauses, and several clients asking at once.
* ``check_serve_n(serve_n)``: the student writes a server loop that accepts
  ``n`` clients one after another and records what each sent, keyed by the
  address ``accept()`` returned. The check plays several real clients at
  once: one sends in pieces with pauses, one sends 100 000 bytes, one sends
  nothing at all.

Every socket in a check has a timeout (``default_timeout``), so a mistake
ends in a timeout reported in words, never a hung kernel.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Callable

from .. import events as ev
from ..servers import Connection, Server
from . import Report, default_timeout, describe_error, unclosed_sockets

__all__ = ["calculator", "calculate", "check_ask", "check_serve_n"]

#: Seconds any socket call of a check may block. Every answer is local and
#: takes milliseconds; a wait this long means the code waits for nothing.
TIMEOUT = 2.0

#: Seconds the calculator waits for a question (or the client's close)
#: before it closes the connection itself.
IDLE_TIMEOUT = 1.0

#: Longest question the calculator reads before it gives up on a client
#: that never ends its line.
MAX_QUESTION = 1000

#: Answers longer than this are sent in pieces, to catch a client that takes
#: one ``recv`` for the whole answer.
PIECE = 3
PIECE_PAUSE = 0.01  # seconds between pieces


def calculate(question: str) -> str:
    """Answer ``"6 * 7"`` with ``"42"``: two whole numbers and one of ``+ - *``."""
    parts = question.split()
    if len(parts) == 3 and parts[1] in ("+", "-", "*"):
        try:
            a, b = int(parts[0]), int(parts[2])
        except ValueError:
            pass
        else:
            return str({"+": a + b, "-": a - b, "*": a * b}[parts[1]])
    return "error: ask like 6 * 7"


def calculator(conn: Connection) -> None:
    """Read questions, one line each; answer each with one line; until the client closes.

    Short answers go out in one ``sendall``; answers longer than ``PIECE``
    bytes go out ``PIECE`` bytes at a time, ``PIECE_PAUSE`` s apart, as a slow
    network could deliver them.
    """
    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # each piece leaves at once
    buffer = b""
    while True:
        while b"\n" not in buffer:
            if len(buffer) > MAX_QUESTION:
                conn.sendall(b"error: question too long\n")
                return
            data = conn.recv(4096)
            if not data:
                return  # the client closed: we are done
            buffer += data
        line, _, buffer = buffer.partition(b"\n")
        answer = calculate(line.decode("utf-8", "replace")).encode("utf-8") + b"\n"
        if len(answer) <= 10:
            conn.sendall(answer)
            continue
        for start in range(0, len(answer), PIECE):
            if start and not conn.sleep(PIECE_PAUSE):
                return  # the server is stopping
            conn.sendall(answer[start : start + PIECE])


_describe = describe_error


def check_ask(ask: Callable[[int, str], str]) -> None:
    """Check ``ask(port, question) -> answer`` against a real calculator server."""
    report = Report("ask")
    hint_line = (
        "send the question followed by b'\\n', then call recv() until the answer's "
        "b'\\n' has arrived; return the text before it"
    )
    hint_pieces = (
        "one recv() returns whatever has arrived so far, maybe part of the answer: "
        "keep receiving until you see b'\\n'"
    )
    # The idle timeout ends a connection whose client neither asks nor closes
    # (a question without its b"\n", say) after a second, so that client sees
    # the end of the stream instead of waiting for its own timeout.
    # unclosed_sockets() catches an ask() that leaves its socket for the
    # garbage collector: the server then sees an orderly close all the same.
    with default_timeout(TIMEOUT), unclosed_sockets() as leaked, Server(
        calculator, name="check-ask", idle_timeout=IDLE_TIMEOUT
    ) as server:
        port = server.port
        report.run("ask(port, '6 * 7') == '42'", lambda: ask(port, "6 * 7"), "42", hint_line)
        report.run("ask(port, '2 + 3') == '5'", lambda: ask(port, "2 + 3"), "5", hint_line)
        report.run(
            "a long answer sent in pieces, 10 ms apart, comes back whole",
            lambda: ask(port, "123456789 * 987654321"),
            str(123456789 * 987654321),
            hint_pieces,
        )
        _check_at_once(report, ask, port, hint_line)
        try:
            server.wait_idle(timeout=IDLE_TIMEOUT + TIMEOUT)
        except TimeoutError:
            pass  # reported below: that connection has no ending yet
        endings = [summary.ending for summary in server.summary().values()]
    report.check(
        all(ending == ev.PEER_CLOSED for ending in endings) and not leaked,
        "every connection was closed by your code",
        "close the socket when you have the answer (a `with` block does it for you); "
        "a socket left for Python's garbage collector to close counts as not closed",
    )
    report.finish()


def _check_at_once(report: Report, ask: Callable[[int, str], str], port: int, hint: str) -> None:
    """Five clients ask at the same moment, each in its own thread; each must get its own answer."""
    questions = [f"{i} * 11" for i in range(1, 6)]
    answers: dict[int, object] = {}
    start = threading.Barrier(len(questions), timeout=TIMEOUT)

    def client(index: int) -> None:
        try:
            start.wait()  # all five ask together
            answers[index] = ask(port, questions[index])
        except Exception as error:  # noqa: BLE001 - reported in words below
            answers[index] = error

    threads = [
        threading.Thread(target=client, args=(i,), name=f"check-ask-{i}", daemon=True)
        for i in range(len(questions))
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 3 * TIMEOUT
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    what = "five clients asking at the same time each get their own answer"
    for index, question in enumerate(questions):
        expected = calculate(question)
        if index not in answers:
            report.check(
                False, f"{what}: ask(port, {question!r}) did not return in {3 * TIMEOUT:g} s", hint
            )
            return
        got = answers[index]
        if isinstance(got, BaseException):
            report.check(False, f"{what}: ask(port, {question!r}) raised {_describe(got)}", hint)
            return
        if got != expected:
            report.check(False, f"{what}: ask(port, {question!r}) gave {got!r}", hint)
            return
    report.check(True, what)


# ------------------------------------------------------------------ serve_n

#: The clients the serve_n check plays: what each sends, in which pieces.
CLIENT_PLANS: list[tuple[str, list[bytes]]] = [
    ("a client that sent one short message", [b"hello from a client"]),
    ("a client that sent 3 pieces, 20 ms apart", [b"sent ", b"in three ", b"pieces"]),
    ("a client that sent nothing at all", []),
    ("a client that sent 100 000 bytes", [b"0123456789" * 10_000]),
]
CLIENT_PAUSE = 0.02  # seconds between the pieces of one client


class _Client:
    """One client of the serve_n check, in its own thread; it never prints."""

    def __init__(self, address: tuple[str, int], pieces: list[bytes]) -> None:
        self.pieces = pieces
        self.sent = b"".join(pieces)
        self.local: tuple | None = None
        self.saw_close = False
        self.error: BaseException | None = None
        self._address = address
        self.thread = threading.Thread(target=self._run, name="check-serve-client", daemon=True)

    def _run(self) -> None:
        try:
            with socket.create_connection(self._address, timeout=TIMEOUT) as sock:
                self.local = sock.getsockname()
                for index, piece in enumerate(self.pieces):
                    if index:
                        time.sleep(CLIENT_PAUSE)
                    sock.sendall(piece)
                sock.shutdown(socket.SHUT_WR)  # "I am done sending"
                # Now wait for the server to close its side: recv returns b"".
                while True:
                    data = sock.recv(4096)
                    if not data:
                        self.saw_close = True
                        return
        except (ConnectionResetError, BrokenPipeError):
            # The server closed with bytes unread, so its kernel answered with
            # a reset instead of an orderly close: closed all the same.
            self.saw_close = True
        except Exception as error:  # noqa: BLE001 - recorded; the check reports in words
            self.error = error


def check_serve_n(serve_n: Callable[[socket.socket, int], dict]) -> None:
    """Check ``serve_n(listener, n) -> {address: bytes}`` with several real clients at once."""
    report = Report("serve_n")
    n = len(CLIENT_PLANS)
    # unclosed_sockets() catches a connection left for the garbage collector:
    # the client then sees it closed all the same.
    with default_timeout(TIMEOUT), unclosed_sockets() as leaked:
        listener = socket.create_server(("127.0.0.1", 0), backlog=16)
        clients = [_Client(listener.getsockname(), pieces) for _, pieces in CLIENT_PLANS]
        try:
            for client in clients:
                client.thread.start()
            try:
                result = serve_n(listener, n)
                error = None
            except Exception as raised:  # noqa: BLE001 - the student's error, in words
                result, error = None, raised
        finally:
            listener.close()  # clients still waiting in the queue are reset, and end
            deadline = time.monotonic() + 2 * TIMEOUT
            for client in clients:
                client.thread.join(max(0.0, deadline - time.monotonic()))
    if error is not None:
        hint = "accept exactly n clients" if isinstance(error, TimeoutError) else ""
        report.check(False, f"serve_n(listener, {n}) raised {_describe(error)}", hint)
        report.finish()
        return
    if not isinstance(result, dict):
        report.check(
            False,
            f"serve_n(listener, {n}) returns a dict: got {type(result).__name__}",
            "return a dict that maps each client's address (from accept()) to its bytes",
        )
        report.finish()
        return
    addresses = [client.local for client in clients]
    report.check(
        len(result) == n and set(result) == set(addresses),
        f"one entry for each of the {n} clients, keyed by the address accept() returned",
        "accept() returns (new_socket, address): use that address as the key",
    )
    for (what, _), client in zip(CLIENT_PLANS, clients):
        got = result.get(client.local)
        if got == client.sent:
            report.check(True, what)
            continue
        if got is None:
            shown = "no entry"
        elif isinstance(got, (bytes, bytearray)):
            shown = f"got {len(got)} bytes"
        else:
            shown = f"got {type(got).__name__}, not bytes"
        report.check(
            False,
            f"{what}: {shown}, expected {len(client.sent)} bytes",
            "recv() returns what has arrived so far; keep receiving until it returns b'' "
            "(the client closed its side)",
        )
    report.check(
        all(client.saw_close for client in clients) and not leaked,
        "your server closed each connection when it was done with it",
        "close the socket accept() gave you (a `with` block does it for you); "
        "a socket left for Python's garbage collector to close counts as not closed",
    )
    report.finish()

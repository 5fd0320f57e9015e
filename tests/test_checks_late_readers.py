"""A one-recv reader that reads late is still caught: pieces go out only once the one before was read.

Why: the checks of ``shout`` (00), ``ask`` (02) and ``serve_once`` (05)
send a message in pieces, so that code taking one ``recv`` for it gets part.
Pieces sent a few milliseconds apart can still all have arrived by the time
the reader's thread runs on a loaded machine; its one ``recv`` then gets the
whole message, and the wrong code passes (a clean-clone CI run did pass such
a gallery entry). Each reader below takes its one ``recv`` 0.3 s late. The
checks now send each piece once the reader has taken the one before out of
its receive queue (the kernel says, ``sockutil/checks/tcp_table.py``), so
the lateness changes nothing and each still fails. With pieces paced by
pauses alone, the late ``ask`` passed (its long answers' pieces were 10 ms
apart, all there after 0.3 s); ``shout`` and ``serve_once`` had other cases
that caught it.
"""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

from sockutil.checks.client_server import check_ask
from sockutil.checks.socket_api import check_serve_once
from sockutil.checks.start_here import check_shout

pytestmark = pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux's table of TCP sockets")

#: How late each reader takes its one recv().
LATE = 0.3


def late() -> None:
    threading.Event().wait(LATE)   # the scenario: a reader that runs late


def shout(port: int, text: str) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(text.encode("utf-8"))
        late()
        return sock.recv(65536).decode("utf-8")


def ask(port: int, question: str) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(question.encode("utf-8") + b"\n")
        late()
        return sock.recv(1024).decode("utf-8").rstrip("\n")


def serve_once(announce) -> bytes:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(0.5)
        announce(listener.getsockname()[1])
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(0.5)
            late()
            request = conn.recv(65536)
            conn.sendall(request.upper())
    return request


@pytest.mark.parametrize("check, code, words", [
    (check_shout, shout, ("fewer bytes", "keep calling")),
    (check_ask, ask, ("whatever has arrived so far", "keep receiving")),
    (check_serve_once, serve_once, ("keep receiving until b''",)),
], ids=["shout", "ask", "serve_once"])
def test_a_late_one_recv_reader_fails_with_the_one_recv_hint(check, code, words, capsys):
    report = check(code)
    out = capsys.readouterr().out
    assert not report.passed, out
    hints = [failure.hint for failure in report.failures]
    assert any(all(word in hint for word in words) for hint in hints), out

"""sockutil.checks.tcp_table: has the peer read what was sent? Asked of sock_diag, or of /proc/net/tcp."""

from __future__ import annotations

import socket
import sys
import time

import pytest

from sockutil.checks import tcp_table
from sockutil.checks.tcp_table import peer_has_read, read_between, wait_until_read

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux's sock_diag and /proc")


@pytest.fixture(params=["sock_diag", "/proc/net/tcp"])
def way(request, monkeypatch):
    """Each test twice: through sock_diag, and through the table (sock_diag refused)."""
    if request.param == "/proc/net/tcp":
        def refused(*args, **kwargs):
            raise tcp_table._NoDiag
        monkeypatch.setattr(tcp_table, "_open_diag", refused)
    return request.param


def test_unread_bytes_are_seen_until_the_peer_reads_them(way):
    with socket.create_server(("127.0.0.1", 0)) as listener:
        with socket.create_connection(listener.getsockname(), timeout=5) as client:
            server, _ = listener.accept()
            with server:
                client.sendall(b"x" * 1000)
                assert wait_until_read(client, time.monotonic() + 0.3) is True   # the deadline passed
                assert peer_has_read(client) is False, "1000 bytes wait in the server's queue"
                assert server.recv(2000) == b"x" * 1000
                deadline = time.monotonic() + 5
                while not peer_has_read(client) and time.monotonic() < deadline:   # the ACK is on its way
                    time.sleep(0.001)
                assert peer_has_read(client) is True
                assert read_between(server.getsockname(), client.getsockname()) is True, "nothing sent that way"


def test_a_connection_that_is_not_there_cannot_tell(way):
    assert read_between(("127.0.0.1", 1), ("127.0.0.1", 2)) is None


def test_sock_diag_answers_without_the_table(monkeypatch, tmp_path):
    """Where sock_diag answers, /proc/net/tcp is never read: it lists every socket of the machine
    (about 2000 at a CI run's busiest here), read and parsed at each look. A clean-clone CI run
    once saw the worked solution's 1 s idle timeout close the connection in the middle of the lab
    check's 1-byte pieces; those looks, and waiting for each piece's acknowledgement, were what
    stretched the pieces out."""
    monkeypatch.setattr(tcp_table, "TCP_TABLE", tmp_path / "no-such-table")
    with socket.create_server(("127.0.0.1", 0)) as listener:
        with socket.create_connection(listener.getsockname(), timeout=5) as client:
            server, _ = listener.accept()
            with server:
                client.sendall(b"x")
                assert wait_until_read(client, time.monotonic() + 0.2) is True
                assert peer_has_read(client) is False

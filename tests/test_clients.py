"""Client helpers: timeouts, partial recvs, and nothing lost when things go wrong."""

from __future__ import annotations

import socket

import pytest

from sockutil.clients import (
    connect,
    recv_chunks,
    recv_exactly,
    recv_until_closed,
    request,
    send_and_receive,
)
from sockutil.errors import NameResolutionError, PeerClosedError, ReceiveTimeoutError
from sockutil.handlers import make_chunky
from sockutil.servers import Server


def test_connect_defaults_to_ipv4_loopback_and_sets_the_timeout():
    with Server("echo") as server, connect(server.port, timeout=1.5) as sock:
        assert sock.getpeername() == ("127.0.0.1", server.port)
        assert sock.gettimeout() == 1.5


def test_nothing_listening_is_refused():
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        port = placeholder.getsockname()[1]
    with pytest.raises(ConnectionRefusedError):
        connect(port)


def test_unresolvable_name_gives_the_kits_error():
    with pytest.raises(NameResolutionError, match="cannot resolve 'nonexistent.invalid'"):
        connect(80, host="nonexistent.invalid")


def test_recv_exactly_loops_over_partial_recvs():
    with Server(make_chunky(b"abcdefghij", chunk_size=1, pause=0.005)) as server:
        with connect(server.port) as sock:
            assert recv_exactly(sock, 6) == b"abcdef"
            assert recv_exactly(sock, 4) == b"ghij"


def test_recv_exactly_keeps_what_arrived_when_the_peer_closes():
    with Server("hello") as server, connect(server.port) as sock:
        with pytest.raises(PeerClosedError) as info:
            recv_exactly(sock, 100)
    assert info.value.partial == b"Hello, world!\n"
    assert "14 of 100" in str(info.value)


def test_recv_exactly_keeps_what_arrived_on_timeout():
    def half_then_silence(conn):
        conn.sendall(b"half")
        conn.sleep(5)

    with Server(half_then_silence) as server, connect(server.port, timeout=0.2) as sock:
        with pytest.raises(ReceiveTimeoutError) as info:
            recv_exactly(sock, 8)
    assert info.value.partial == b"half"
    assert isinstance(info.value, TimeoutError)


def test_recv_until_closed_times_out_with_partial():
    def never_closes(conn):
        conn.sendall(b"abc")
        conn.sleep(5)

    with Server(never_closes) as server, connect(server.port, timeout=0.2) as sock:
        with pytest.raises(ReceiveTimeoutError) as info:
            recv_until_closed(sock)
    assert info.value.partial == b"abc"


def test_recv_chunks_shows_the_pieces_and_caps_the_total():
    with Server(make_chunky(b"0123456789", chunk_size=5, pause=0.05)) as server:
        with connect(server.port) as sock:
            chunks = recv_chunks(sock)
        with connect(server.port) as sock:
            with pytest.raises(ValueError, match="more than 4 bytes"):
                recv_chunks(sock, max_bytes=4)
    assert b"".join(chunks) == b"0123456789" and len(chunks) == 2


def test_send_and_receive_expects_a_given_length():
    with Server("upper") as server, connect(server.port) as sock:
        assert send_and_receive(sock, b"abc", nbytes=2) == b"AB"
        assert recv_exactly(sock, 1) == b"C"


def test_request_half_closes_so_echo_finishes():
    with Server("echo") as server:
        assert request(server.port, b"x" * 100_000) == b"x" * 100_000

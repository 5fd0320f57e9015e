"""Traced sockets behave like sockets and record the calls in order."""

from __future__ import annotations

import socket

import pytest

from sockutil.trace import Trace, format_address


def exchange(trace: Trace) -> None:
    server = trace.socket("server")
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    client = trace.socket("client")
    client.settimeout(5)
    client.connect(server.getsockname())
    conn, _ = server.accept()
    conn.settimeout(5)
    client.sendall(b"hello")
    assert conn.recv(1024) == b"hello"
    client.close()
    assert conn.recv(1024) == b""
    conn.close()
    server.close()


def test_calls_are_recorded_in_order_without_ports():
    trace = Trace()
    exchange(trace)
    lines = str(trace).splitlines()
    assert [line.split(": ", 1)[1].split("(")[0] for line in lines] == [
        "socket", "bind", "listen", "socket", "connect", "accept",
        "sendall", "recv", "close", "recv", "close", "close",
    ]
    assert lines[0] == "#1 server: socket(AF_INET, SOCK_STREAM) -> a new socket"
    assert lines[7] == "#8 server: recv(1024) -> 5 bytes b'hello'"
    assert lines[9] == "#10 server: recv(1024) -> b'' (the peer closed)"


def test_endpoints_pair_the_two_ends_of_a_connection():
    trace = Trace()
    exchange(trace)
    calls = {c.seq: c for c in trace.calls}
    connect, accept, sent, got = calls[5], calls[6], calls[7], calls[8]
    assert accept.remote == connect.local
    assert (got.local, got.remote) == (sent.remote, sent.local)


def test_listen_and_connect_record_the_addresses_a_handshake_is_matched_by():
    trace = Trace()
    exchange(trace)
    calls = {c.seq: c for c in trace.calls}
    listen, connect, accept = calls[3], calls[5], calls[6]
    assert listen.name == "listen" and connect.name == "connect"
    assert connect.remote == listen.local  # the client reached the listening socket
    assert accept.remote == connect.local  # and accept() handed out that very connection


def test_errors_are_recorded_and_raised():
    trace = Trace()
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        port = placeholder.getsockname()[1]
    client = trace.socket("client")
    client.settimeout(5)
    with pytest.raises(ConnectionRefusedError):
        client.connect(("127.0.0.1", port))
    client.close()
    assert str(trace.calls[1]).endswith("raised ConnectionRefusedError")


def test_untraced_attributes_pass_through_and_close_is_recorded_once():
    trace = Trace()
    with trace.socket("x") as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR) == 1
        assert isinstance(sock.raw, socket.socket)
        sock.close()
    assert [c.name for c in trace.calls] == ["socket", "close"]


def test_format_address():
    assert format_address(("127.0.0.1", 80)) == "127.0.0.1:80"
    assert format_address(("::1", 80, 0, 0)) == "[::1]:80"

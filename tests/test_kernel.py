"""The kernel's view, checked against sockets whose state we know."""

from __future__ import annotations

import socket
import sys

import pytest

from sockutil import kernel
from sockutil.clients import connect, send_and_receive
from sockutil.servers import Server


def statuses(server_port, client_port=None):
    """States of the server's listener and of its connections with ``client_port``.

    A port picked by the OS may have served an earlier test whose connection
    still lingers in TIME_WAIT, so sockets of other connections are left out.
    """
    found = []
    for s in kernel.tcp_sockets([server_port]):
        ends = {s.local[1], s.remote[1] if s.remote else None}
        if s.remote is None or client_port in ends:
            found.append(s.status)
    return sorted(found)


def test_listening_server_is_listen():
    with Server("echo") as server:
        assert statuses(server.port) == ["LISTEN"]


def test_connection_is_established_on_both_sides():
    with Server("echo") as server, connect(server.port) as sock:
        send_and_receive(sock, b"x")
        client_port = sock.getsockname()[1]
        assert statuses(server.port, client_port) == ["ESTABLISHED", "ESTABLISHED", "LISTEN"]


def test_process_view_without_ports_lists_our_own_sockets():
    with Server("echo") as server:
        assert any(s.local[1] == server.port for s in kernel.tcp_sockets())


@pytest.mark.skipif(not kernel.shows_time_wait(), reason="TIME_WAIT is visible only on Linux")
def test_time_wait_falls_on_the_side_that_closes_first():
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        client = connect(port)
        conn, _ = listener.accept()
        client_port = client.getsockname()[1]
        client.close()  # the client closes first...
        assert conn.recv(1) == b""
        conn.close()
        # (an earlier connection may have used the same client port to another server)
        states = [
            (s.status, s.local[1], s.pid)
            for s in kernel.tcp_sockets([client_port])
            if s.remote and port in (s.local[1], s.remote[1])
        ]
        # ...so the TIME_WAIT is the client's, and it belongs to no process any more
        assert states == [("TIME_WAIT", client_port, None)]


def test_label_replaces_ports_with_names():
    state = kernel.SocketState("ESTABLISHED", ("127.0.0.1", 5000), ("127.0.0.1", 6000), 1)
    assert state.label({5000: "server"}) == "ESTABLISHED  server -> port 6000"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="TCP_INFO is read on Linux only")
def test_tcp_info_counts_data_segments_of_one_socket():
    with socket.create_server(("127.0.0.1", 0)) as listener:
        client = socket.socket()
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 1000)
        client.connect(listener.getsockname())
        conn, _ = listener.accept()
        with client, conn:
            before = kernel.tcp_info(client)["data_segs_out"]
            client.sendall(b"x" * 10 * 1000)
            received = 0
            while received < 10_000:
                received += len(conn.recv(65536))
            info = kernel.tcp_info(client)
            assert info["snd_mss"] <= 1000
            assert info["data_segs_out"] - before >= 10_000 // info["snd_mss"]


def test_connection_states_names_both_ends_and_settles():
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
            conn, _ = listener.accept()
            with conn:
                port_names = {port: "server", client.getsockname()[1]: "client"}
                assert kernel.connection_states(port_names) == [
                    "ESTABLISHED  client -> server",
                    "ESTABLISHED  server -> client",
                    "LISTEN       server -> *",
                ]


def test_connection_states_leaves_out_sockets_to_unnamed_ports():
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
            conn, _ = listener.accept()
            with conn:  # the client's port is not named: only the listener is shown
                assert kernel.connection_states({port: "server"}, settle=False) == ["LISTEN       server -> *"]
    assert client.fileno() == -1


def test_connection_states_of_nothing_is_empty():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))  # bound, not listening: not in the table
        assert kernel.connection_states({sock.getsockname()[1]: "server"}) == []


@pytest.mark.skipif(not kernel.shows_time_wait(), reason="TIME_WAIT is visible only on Linux")
def test_connection_states_shows_time_wait_on_the_closer():
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port), timeout=5)
        conn, _ = listener.accept()
        port_names = {port: "server", client.getsockname()[1]: "client"}
        client.close()
        assert conn.recv(1) == b""
        conn.close()
        assert kernel.connection_states(port_names) == ["LISTEN       server -> *", "TIME_WAIT    client -> server"]

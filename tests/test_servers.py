"""The background server, over real loopback sockets."""

from __future__ import annotations

import importlib
import socket
import struct
import threading

import pytest

import sockutil
from sockutil import events as ev
from sockutil.clients import connect, recv_until_closed, send_and_receive
from sockutil.errors import PortInUseError
from sockutil.framing import LengthPrefixDecoder
from sockutil.servers import Server, running_servers, serve
from tests.ipv6_helpers import needs_ipv6


def kinds(server: Server, conn: str | None = None) -> list[str]:
    return [e.kind for e in server.events if conn is None or e.conn == conn]


def test_listens_on_loopback_port_picked_by_the_os():
    with Server("echo") as server:
        host, port = server.address
        assert host == "127.0.0.1"
        assert 0 < port < 65536
        assert server.running
    assert not server.running


def test_echo_round_trip_and_stable_transcript():
    with Server("echo") as server:
        with connect(server.port) as sock:
            assert send_and_receive(sock, b"hello") == b"hello"
        server.wait_idle()
        assert server.transcript() == "\n".join(
            [
                "#1 server listening (echo)",
                "#2 c1 opened",
                "#3 c1 received 5 bytes b'hello'",
                "#4 c1 sent 5 bytes b'hello'",
                "#5 c1 closed by peer",
            ]
        )
        summary = server.summary()["c1"]
        assert (summary.received, summary.sent, summary.ending) == (5, 5, "closed by peer")


def test_connections_are_named_in_order():
    with Server("echo") as server:
        for _ in range(3):
            with connect(server.port) as sock:
                send_and_receive(sock, b"x")
        server.wait_idle()
        assert list(server.summary()) == ["c1", "c2", "c3"]


def test_stop_closes_open_connections_and_joins_threads():
    server = serve("echo")
    clients = [connect(server.port) for _ in range(5)]
    for c in clients:
        send_and_receive(c, b"ping")
    server.stop()
    for c in clients:
        assert c.recv(10) == b""  # the server closed: end of stream
        c.close()
    assert not [t for t in threading.enumerate() if t.name.startswith("sockutil:echo:")]
    assert kinds(server)[-1] == ev.STOPPED
    ends = [e for e in server.events if e.kind == ev.CLOSED]
    assert len(ends) == 5 and all(e.detail == "(server stopping)" for e in ends)


def test_stop_is_idempotent_and_works_before_start():
    server = serve("echo")
    server.stop()
    server.stop()
    assert kinds(server).count(ev.STOPPED) == 1
    Server("echo").stop()  # never started: nothing to do, no error


def test_stop_from_inside_a_handler_does_not_deadlock():
    def stopper(conn):
        conn.sendall(b"bye\n")
        conn.server.stop()

    server = serve(stopper)
    with connect(server.port) as sock:
        assert recv_until_closed(sock) == b"bye\n"
    for thread in threading.enumerate():
        if thread.name.startswith("sockutil:stopper:"):
            thread.join(2)  # the handler's own thread ends right after stop() returns
    assert not server.running
    assert kinds(server)[-2:] == [ev.STOPPED, ev.CLOSED]


def test_same_name_replaces_the_running_server():
    first = serve("echo", name="lesson")
    second = serve("upper", name="lesson")
    try:
        assert not first.running and second.running
        assert running_servers("lesson") == [second]
    finally:
        second.stop()


def test_named_port_reusable_right_after_stop_even_with_time_wait():
    first = serve("hello")
    port = first.port
    with connect(port) as sock:  # the server closes first, so TIME_WAIT is on its side
        assert recv_until_closed(sock) == sockutil.handlers.HELLO_MESSAGE
    first.wait_idle()
    first.stop()
    second = serve("echo", port=port)
    try:
        assert second.port == port
    finally:
        second.stop()


def test_taken_port_raises_an_error_naming_the_port_and_the_way_out():
    with socket.create_server(("127.0.0.1", 0)) as taker:
        port = taker.getsockname()[1]
        with pytest.raises(PortInUseError) as info:
            serve("echo", port=port)
    message = str(info.value)
    assert str(port) in message and "port=0" in message
    assert isinstance(info.value, OSError)
    assert not running_servers("echo")


def test_handler_error_is_an_event_and_the_server_keeps_serving():
    def fragile(conn):
        data = conn.recv()
        if data == b"boom":
            raise ValueError("cannot handle boom")
        conn.sendall(data)

    with Server(fragile) as server:
        with connect(server.port) as sock:
            sock.sendall(b"boom")
            assert recv_until_closed(sock) == b""
        with connect(server.port) as sock:
            assert send_and_receive(sock, b"fine") == b"fine"
        server.wait_idle()
        errors = [e for e in server.events if e.kind == ev.ERROR]
        assert [(e.conn, e.detail) for e in errors] == [("c1", "ValueError: cannot handle boom")]
        assert server.summary()["c1"].ending == ev.ERROR
        assert server.summary()["c2"].ending == ev.CLOSED  # the handler returned


def test_client_vanishing_mid_message_leaves_received_bytes_intact():
    results = []

    def framed(conn):
        decoder = LengthPrefixDecoder()
        while data := conn.recv():
            results.extend(decoder.feed(data))
        try:
            decoder.end_of_stream()
        except sockutil.IncompleteMessageError as error:
            results.append(("partial", error.partial))

    with Server(framed) as server:
        with connect(server.port) as sock:
            sock.sendall(struct.pack("!I", 3) + b"one" + struct.pack("!I", 10) + b"half")
        server.wait_idle()
    assert results == [b"one", ("partial", struct.pack("!I", 10) + b"half")]
    assert server.summary()["c1"].received == 4 + 3 + 4 + 4


def test_peer_reset_is_closed_by_peer_not_an_error():
    def reader(conn):
        while conn.recv():
            pass

    with Server(reader) as server:
        sock = connect(server.port)
        sock.sendall(b"x")
        # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
        server.wait_idle()
        assert server.summary()["c1"].ending == ev.PEER_CLOSED
        assert ev.ERROR not in kinds(server)


def test_idle_timeout_closes_a_silent_client():
    with Server("echo", idle_timeout=0.2) as server:
        with connect(server.port) as sock:
            assert sock.recv(10) == b""  # the server gave up on us
        server.wait_idle()
        end = server.events[-1]
        assert (end.conn, end.kind, end.detail) == ("c1", ev.IDLE_TIMEOUT, "(nothing for 0.2 s)")


def test_connections_over_the_maximum_are_refused_with_an_event():
    with Server("echo", max_connections=1) as server:
        with connect(server.port) as first:
            send_and_receive(first, b"a")  # c1 is being served
            with connect(server.port) as second:
                assert second.recv(10) == b""  # accepted, then closed at once
            assert send_and_receive(first, b"b") == b"b"
        server.wait_idle()
        assert kinds(server, "c2") == [ev.OPENED, ev.REFUSED]


def test_wait_idle_times_out_while_a_connection_is_open():
    with Server("echo") as server:
        with connect(server.port) as sock:
            send_and_receive(sock, b"x")
            with pytest.raises(TimeoutError, match="c1"):
                server.wait_idle(timeout=0.1)


def test_wait_idle_sees_a_connection_still_in_the_listen_queue():
    # Connect and close at once: wait_idle may run before accept() has even
    # happened, and must still wait until that connection has ended.
    with Server("echo") as server:
        for n in range(1, 21):
            connect(server.port).close()
            server.wait_idle()
            summary = server.summary()
            assert len(summary) == n and all(s.ending for s in summary.values()), summary


def test_event_log_is_bounded():
    with Server("echo", max_events=5) as server:
        for _ in range(3):
            with connect(server.port) as sock:
                send_and_receive(sock, b"x")
        server.wait_idle()
        assert len(server.events) == 5
        total = 1 + 3 * 4  # listening, then opened/received/sent/closed for each client
        assert server.log.dropped == total - 5
        assert server.events[-1].seq == total


def test_registry_survives_module_reload():
    old = serve("echo", name="reloaded")
    try:
        servers_module = importlib.reload(sockutil.servers)
        new = servers_module.Server("echo", name="reloaded").start()
        assert not old.running and new.running
        new.stop()
    finally:
        old.stop()
        importlib.reload(sockutil.servers)


@needs_ipv6
def test_ipv6_loopback_when_available():
    server = serve("echo", host="::1")
    with server:
        assert server.address[0] == "::1"
        with connect(server.port, host="::1") as sock:
            assert send_and_receive(sock, b"v6") == b"v6"
        assert server.url.startswith("http://[::1]:")


def test_invalid_options_are_rejected():
    with pytest.raises(ValueError):
        Server("echo", idle_timeout=0)
    with pytest.raises(ValueError):
        Server("echo", max_connections=0)
    with pytest.raises(ValueError, match="choose one of"):
        Server("nonsense")


def test_start_twice_is_an_error():
    with Server("echo") as server:
        with pytest.raises(RuntimeError):
            server.start()

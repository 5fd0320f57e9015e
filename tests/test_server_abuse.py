"""Load and faults, on loopback, bounded in count and time: the server survives them all.

Each scenario ends with the same health check: every connection thread has
ended, the server still answers, no file descriptor is left behind, and the
event log tells a consistent story (numbered without gaps, each connection
opened once and ended once, nothing after its end).

The clients are driven from one thread with a selector, not one thread each:
500 client threads plus 500 server threads would make the test slow on a
two-core machine for no gain in what it proves.
"""

from __future__ import annotations

import hashlib
import random
import resource
import selectors
import socket
import struct
import threading
import time

import psutil
import pytest

from sockutil import events as ev
from sockutil.clients import connect, recv_until_closed, send_and_receive
from sockutil.errors import IncompleteMessageError
from sockutil.framing import LengthPrefixDecoder, encode_length_prefixed
from sockutil.servers import Server

#: Bound on every wait here; reached only when a test is failing.
BOUND = 20.0

#: Descriptors the 500-client scenario needs: 500 client sockets, and per
#: server connection a socket and a selector, plus the process's own.
DESCRIPTORS_NEEDED = 2500

_ENDINGS = {ev.CLOSED, ev.PEER_CLOSED, ev.IDLE_TIMEOUT, ev.REFUSED}


@pytest.fixture(scope="module", autouse=True)
def enough_descriptors():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < DESCRIPTORS_NEEDED:
        pytest.skip(f"RLIMIT_NOFILE hard limit {hard} is below {DESCRIPTORS_NEEDED}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, DESCRIPTORS_NEEDED), hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def descriptors() -> int:
    return psutil.Process().num_fds()


def abuse_server(handler="echo", name="abuse", **options) -> Server:
    options = {"max_connections": 600, "backlog": 1024, "max_events": 200_000,
               "idle_timeout": BOUND, **options}
    return Server(handler, name=name, **options).start()


def join_connection_threads(server: Server) -> None:
    prefix = f"sockutil:{server.name}:c"
    for thread in threading.enumerate():
        if thread.name.startswith(prefix):
            thread.join(BOUND)
    assert not [t.name for t in threading.enumerate() if t.name.startswith(prefix)]


def assert_consistent(events: list[ev.Event], allowed_endings: set[str]) -> dict[str, list[ev.Event]]:
    """The log tells one story; returns each connection's events."""
    assert [e.seq for e in events] == list(range(1, len(events) + 1)), "numbered without gaps"
    assert events[0].kind == ev.LISTENING
    per_conn: dict[str, list[ev.Event]] = {}
    for event in events[1:]:
        assert event.conn is not None, f"a server event in the middle: {event}"
        per_conn.setdefault(event.conn, []).append(event)
    assert list(per_conn) == [f"c{n}" for n in range(1, len(per_conn) + 1)], "named in order"
    for name, conn_events in per_conn.items():
        kinds = [e.kind for e in conn_events]
        assert kinds[0] == ev.OPENED, (name, kinds)
        assert kinds.count(ev.OPENED) == 1, (name, kinds)
        assert sum(k in _ENDINGS for k in kinds) == 1 and kinds[-1] in allowed_endings, (name, kinds)
        assert ev.ERROR not in kinds, (name, [str(e) for e in conn_events])
    return per_conn


def assert_healthy(server: Server, fds_before: int, allowed_endings: set[str]) -> dict[str, list[ev.Event]]:
    server.wait_idle(BOUND)
    join_connection_threads(server)
    per_conn = assert_consistent(server.events, allowed_endings)
    with connect(server.port) as sock:  # still answers
        assert send_and_receive(sock, b"still there?") == b"still there?"
    server.wait_idle(BOUND)
    join_connection_threads(server)
    assert descriptors() == fds_before, "a descriptor leaked"
    return per_conn


class EchoClients:
    """Many non-blocking clients in one thread: each sends its bytes and reads them back.

    They keep their connections open until every one has its echo, so the
    server holds them all at once; ``close_all`` then ends them.
    """

    def __init__(self, port: int, payloads: list[bytes]) -> None:
        self.payloads = payloads
        self.received = [bytearray() for _ in payloads]
        self.sent = [0] * len(payloads)
        self.echoed = [False] * len(payloads)
        self.selector = selectors.DefaultSelector()
        self.socks = []
        for index in range(len(payloads)):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setblocking(False)
            self.socks.append(sock)
            sock.connect_ex(("127.0.0.1", port))
            self.selector.register(sock, selectors.EVENT_READ | selectors.EVENT_WRITE, index)

    def run(self, deadline: float) -> None:
        with self.selector:
            while not all(self.echoed) and time.monotonic() < deadline:
                for key, mask in self.selector.select(deadline - time.monotonic()):
                    self._step(key.fileobj, key.data, mask)

    def _step(self, sock: socket.socket, index: int, mask: int) -> None:
        payload = self.payloads[index]
        if mask & selectors.EVENT_WRITE:
            self.sent[index] += sock.send(payload[self.sent[index]: self.sent[index] + 65536])
            if self.sent[index] == len(payload):
                self.selector.modify(sock, selectors.EVENT_READ, index)
        if mask & selectors.EVENT_READ:
            data = sock.recv(65536)
            assert data, f"client {index} closed by the server after {len(self.received[index])} bytes"
            self.received[index] += data
            if len(self.received[index]) >= len(payload):
                self.echoed[index] = True
                self.selector.unregister(sock)

    def close_all(self) -> None:
        """Say "no more" on every connection, check the server closes too, then close."""
        for sock in self.socks:
            sock.shutdown(socket.SHUT_WR)
        for sock in self.socks:
            sock.settimeout(BOUND)
            assert sock.recv(1) == b""
            sock.close()


def test_500_concurrent_echo_clients_each_get_exactly_their_own_bytes():
    rng = random.Random(500)
    payloads = [rng.randbytes(rng.randrange(1, 20_000)) for _ in range(500)]
    with abuse_server(name="abuse-500") as server:
        server.wait_idle(BOUND)
        fds_before = descriptors()
        clients = EchoClients(server.port, payloads)
        try:
            clients.run(time.monotonic() + BOUND)
            assert all(clients.echoed), f"{clients.echoed.count(False)} clients without their echo"
            assert len(server.open_connections) == 500  # all served at once
            clients.close_all()
        finally:
            for sock in clients.socks:
                sock.close()
        mismatched = [i for i, (sent, got) in enumerate(zip(payloads, clients.received))
                      if hashlib.sha256(sent).digest() != hashlib.sha256(got).digest()]
        assert mismatched == []
        per_conn = assert_healthy(server, fds_before, {ev.PEER_CLOSED})
        assert len(per_conn) == 500  # counted before the health probe
        summary = server.summary()
        totals = sorted(summary[name].received for name in per_conn)
        assert totals == sorted(len(p) for p in payloads)
        assert all(s.received == s.sent for s in summary.values())


def test_1000_connect_and_close_in_a_row():
    with abuse_server(name="abuse-churn") as server:
        server.wait_idle(BOUND)
        fds_before = descriptors()
        for _ in range(1000):
            connect(server.port).close()
        per_conn = assert_healthy(server, fds_before, {ev.PEER_CLOSED})
        assert len(per_conn) == 1000  # the health probe came after the check


def test_clients_that_reset_mid_echo():
    linger_zero = struct.pack("ii", 1, 0)  # SO_LINGER on, 0 s: close() sends RST
    with abuse_server(name="abuse-reset") as server:
        server.wait_idle(BOUND)
        fds_before = descriptors()
        for _ in range(50):
            sock = connect(server.port)
            sock.sendall(b"x" * 200_000)
            assert sock.recv(1)  # the echo has begun
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger_zero)
            sock.close()
        per_conn = assert_healthy(server, fds_before, {ev.PEER_CLOSED})
        assert len(per_conn) == 50


def test_silent_clients_are_freed_by_the_idle_timeout():
    with abuse_server(name="abuse-silent", idle_timeout=0.3) as server:
        server.wait_idle(BOUND)
        fds_before = descriptors()
        silent = [connect(server.port, timeout=BOUND) for _ in range(20)]
        for sock in silent:
            assert sock.recv(1) == b""  # the server gave up on it and closed
            sock.close()
        per_conn = assert_healthy(server, fds_before, {ev.IDLE_TIMEOUT})
        assert all(events[-1].detail == "(nothing for 0.3 s)" for events in per_conn.values())


def test_clients_that_vanish_mid_message():
    """Half a framed message, then FIN (25 clients) or RST (25): the server takes what came."""
    partials: dict[str, int] = {}
    lock = threading.Lock()

    def framed_echo(conn):
        decoder = LengthPrefixDecoder()
        try:
            while data := conn.recv():
                for message in decoder.feed(data):
                    conn.sendall(encode_length_prefixed(message))
            decoder.end_of_stream()
        except IncompleteMessageError as error:
            with lock:
                partials[conn.name] = len(error.partial)
        except ConnectionResetError:
            with lock:
                partials[conn.name] = -1  # reset: the kernel may drop what was queued
            raise

    whole = encode_length_prefixed(b"whole message")
    half = encode_length_prefixed(b"y" * 1000)[:500]
    linger_zero = struct.pack("ii", 1, 0)
    with abuse_server(framed_echo, name="abuse-vanish") as server:
        server.wait_idle(BOUND)
        fds_before = descriptors()
        for n in range(50):
            sock = connect(server.port)
            sock.sendall(whole)
            assert recv_exactly_or_fail(sock, len(whole)) == whole
            sock.sendall(half)
            if n % 2:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger_zero)
            sock.close()
        server.wait_idle(BOUND)
        per_conn = assert_consistent(server.events, {ev.PEER_CLOSED, ev.CLOSED})
        fin_clients = [f"c{n + 1}" for n in range(0, 50, 2)]
        assert {partials.get(name) for name in fin_clients} == {500}
        for name in fin_clients:
            assert server.summary()[name].received == len(whole) + 500
        assert len(per_conn) == 50
        # The framed handler answers the probe only with whole messages.
        with connect(server.port) as sock:
            sock.sendall(whole)
            assert recv_exactly_or_fail(sock, len(whole)) == whole
        server.wait_idle(BOUND)
        join_connection_threads(server)
        assert descriptors() == fds_before


def recv_exactly_or_fail(sock: socket.socket, nbytes: int) -> bytes:
    data = b""
    while len(data) < nbytes:
        piece = sock.recv(nbytes - len(data))
        assert piece, f"closed after {len(data)} of {nbytes} bytes"
        data += piece
    return data


def test_the_server_stops_cleanly_after_all_that():
    """A last check on a server that went through a burst: stop() leaves nothing."""
    with abuse_server(name="abuse-stop") as server:
        open_clients = [connect(server.port) for _ in range(50)]
        for sock in open_clients:
            sock.sendall(b"ping")
        for sock in open_clients:
            assert sock.recv(4) == b"ping"
        server.stop()
        for sock in open_clients:
            assert recv_until_closed(sock) == b""
            sock.close()
    assert not [t for t in threading.enumerate() if t.name.startswith("sockutil:abuse-stop:")]
    ends = [e for e in server.events if e.kind in _ENDINGS]
    assert len(ends) == 50 and {e.detail for e in ends} == {"(server stopping)"}

"""Client helpers: timeouts, partial recvs, and nothing lost when things go wrong."""

from __future__ import annotations

import select
import socket
import struct
import threading
from contextlib import contextmanager
from typing import Callable, Iterator

import pytest

from sockutil import clients
from sockutil.clients import (
    connect,
    recv_chunks,
    recv_exactly,
    recv_until_closed,
    request,
    send_and_receive,
)
from sockutil.errors import (
    NameResolutionError,
    PeerClosedError,
    PeerResetError,
    ReceiveLimitError,
    ReceiveTimeoutError,
)
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


# --- Nothing lost when the peer resets ------------------------------------------------------
#
# A real loopback peer sends a greeting and then resets the connection (RST). Linux keeps
# the greeting readable before it reports the reset, so every helper must hand it back in
# ``.partial``. The moment of the reset is set by events, never by sleeps.

GREETING = b"220 hello from a peer that will reset\n"

#: Seconds any wait in these tests may take before the test fails: generous, never reached.
BOUND = 5.0


class HookedSocket(socket.socket):
    """A client socket that calls ``on_data`` after each ``recv`` that returned bytes."""

    on_data: Callable[[], None] = staticmethod(lambda: None)

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        data = super().recv(bufsize, flags)
        if data:
            self.on_data()
        return data


def hooked_client(port: int, on_data: Callable[[], None]) -> HookedSocket:
    sock = HookedSocket(socket.AF_INET, socket.SOCK_STREAM)
    sock.on_data = on_data
    sock.settimeout(BOUND)
    sock.connect(("127.0.0.1", port))
    return sock


@contextmanager
def resetting_peer(
    before_close: Callable[[socket.socket], object] = lambda conn: None,
    linger_zero: bool = True,
) -> Iterator[tuple[int, threading.Event]]:
    """Serve one client: send GREETING, run ``before_close``, then close so the kernel sends RST.

    With ``linger_zero`` the close sets SO_LINGER to 0 (an RST whatever is unread); without
    it, the close resets only because the client's bytes are left unread, as the classic C
    example server does. Yields the port and an event set once the RST has been sent.
    ``before_close`` must wait until the client's ``connect`` has returned: on Linux a
    reset that comes sooner makes ``connect`` itself raise ``ConnectionResetError``.
    """
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(BOUND)
    closed = threading.Event()
    errors: list[BaseException] = []

    def serve() -> None:
        try:
            conn, _ = listener.accept()
            with conn:
                conn.settimeout(BOUND)
                conn.sendall(GREETING)
                before_close(conn)
                if linger_zero:
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except BaseException as error:  # noqa: BLE001 - reported by the test, not on stderr
            errors.append(error)
        finally:
            closed.set()

    thread = threading.Thread(target=serve, name="test-resetting-peer", daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], closed
    finally:
        thread.join(BOUND)
        listener.close()
    assert not thread.is_alive() and not errors, errors


def wait_for_reset(sock: socket.socket) -> None:
    """Block until the kernel has taken the peer's RST for ``sock`` (POLLHUP or POLLERR)."""
    poller = select.poll()
    poller.register(sock, select.POLLHUP | select.POLLERR)
    assert poller.poll(BOUND * 1000), "the RST never arrived"


def assert_kept(error: BaseException, expected: bytes) -> None:
    assert isinstance(error, PeerResetError) and isinstance(error, ConnectionResetError)
    assert error.partial == expected
    assert isinstance(error.__cause__, OSError)  # the OS's own error: ECONNRESET, EPIPE, ENOTCONN
    assert f"after {len(expected)} bytes" in str(error)


@pytest.mark.parametrize("helper", [recv_until_closed, recv_chunks, lambda s: recv_exactly(s, 1000)])
def test_a_reset_after_some_bytes_keeps_them(helper):
    reset_now = threading.Event()
    with resetting_peer(before_close=lambda conn: reset_now.wait(BOUND)) as (port, _):
        with hooked_client(port, on_data=reset_now.set) as sock:  # RST once the greeting is read
            with pytest.raises(ConnectionResetError) as info:
                helper(sock)
    assert_kept(info.value, GREETING)


@pytest.mark.parametrize("helper", [recv_until_closed, recv_chunks])
def test_a_reset_before_the_first_recv_keeps_the_bytes_too(helper):
    connected = threading.Event()  # a reset before connect() returns would fail connect itself
    with resetting_peer(before_close=lambda conn: connected.wait(BOUND)) as (port, closed):
        with connect(port) as sock:
            connected.set()
            closed.wait(BOUND)
            wait_for_reset(sock)
            with pytest.raises(ConnectionResetError) as info:
                helper(sock)
    assert_kept(info.value, GREETING)


def test_request_to_a_server_that_greets_and_closes_without_reading_keeps_the_greeting():
    """The classic C example server: it never reads, so its close sends RST."""
    for _ in range(10):  # the issue saw it fail 10 times in 10
        wait_for_request = lambda conn: conn.recv(1, socket.MSG_PEEK)  # noqa: E731 - left unread
        with resetting_peer(before_close=wait_for_request, linger_zero=False) as (port, _):
            with pytest.raises(ConnectionResetError) as info:
                request(port, b"hello?\n")
        assert_kept(info.value, GREETING)


def test_request_keeps_the_greeting_when_the_reset_comes_before_it_sends(monkeypatch):
    real_connect = clients.connect
    connected = threading.Event()

    def connect_then_wait_for_the_reset(*args, **kwargs):
        sock = real_connect(*args, **kwargs)
        connected.set()  # now the peer greets and resets
        closed.wait(BOUND)
        wait_for_reset(sock)  # sendall now meets the reset
        return sock

    monkeypatch.setattr(clients, "connect", connect_then_wait_for_the_reset)
    with resetting_peer(before_close=lambda conn: connected.wait(BOUND)) as (port, closed):
        with pytest.raises(ConnectionResetError) as info:
            request(port, b"too late\n")
    assert_kept(info.value, GREETING)


def test_request_keeps_the_greeting_when_sending_times_out():
    """A server that greets, then neither reads nor closes: sendall times out."""
    stop = threading.Event()

    def never_read(conn: socket.socket) -> None:
        stop.wait(BOUND)

    with resetting_peer(before_close=never_read) as (port, _):
        try:
            with pytest.raises(TimeoutError) as info:
                # 64 MiB: far more than both sockets' buffers can hold (a few MiB on Linux)
                request(port, bytes(64 << 20), timeout=0.5)
        finally:
            stop.set()
    assert isinstance(info.value, ReceiveTimeoutError)
    assert info.value.partial == GREETING


def test_recv_chunks_keeps_what_arrived_past_max_bytes():
    with Server(make_chunky(b"0123456789", chunk_size=5, pause=0.05)) as server:
        with connect(server.port) as sock:
            with pytest.raises(ValueError, match="more than 4 bytes") as info:
                recv_chunks(sock, max_bytes=4)
    assert isinstance(info.value, ReceiveLimitError)
    assert len(info.value.partial) > 4 and b"0123456789".startswith(info.value.partial)


# --- Every blocking call has a timeout, even on a socket made without one --------------------


@pytest.mark.parametrize(
    "helper", [recv_until_closed, recv_chunks, lambda s: recv_exactly(s, 8)], ids=["until_closed", "chunks", "exactly"]
)
def test_a_socket_without_timeout_gets_the_default_and_keeps_its_own(helper, monkeypatch):
    monkeypatch.setattr(clients, "DEFAULT_TIMEOUT", 0.05)
    outcome: list[BaseException] = []
    mine, peer = socket.socketpair()
    with mine, peer:
        assert mine.gettimeout() is None  # blocking for ever, as socket.socket() makes it
        peer.sendall(b"half")

        def call() -> None:
            try:
                helper(mine)
            except BaseException as error:  # noqa: BLE001 - judged below
                outcome.append(error)

        worker = threading.Thread(target=call, name="test-no-timeout", daemon=True)
        worker.start()
        worker.join(BOUND)
        hung = worker.is_alive()
        peer.close()  # frees an old helper stuck in recv, so the test ends either way
        worker.join(BOUND)
        assert not hung, "the helper blocked with no timeout"
        assert mine.gettimeout() is None  # the caller's setting is restored
    assert isinstance(outcome[0], ReceiveTimeoutError) and outcome[0].partial == b"half"

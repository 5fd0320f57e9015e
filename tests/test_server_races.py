"""Start and stop under races: each interleaving is forced by a hook, never by a sleep.

Every test here failed on the server as it was before these fixes (see the
commit that added them). Two kinds of hook make an interleaving happen every
time: patching a function the server calls at the moment that matters
(``listening_socket``, ``running_servers``, ``threading.Thread.start``), and
``Server._at(point)``, which the server calls at each point where another
thread may get in between (a no-op unless a test replaces it).
"""

from __future__ import annotations

import errno
import os
import resource
import selectors
import socket
import threading

import pytest

from sockutil import events as ev
from sockutil import servers
from sockutil.clients import connect, recv_until_closed, send_and_receive
from sockutil.servers import Server, running_servers, serve

#: Bound on every wait in these tests; reached only when a test is failing.
BOUND = 5.0


def server_threads(name: str) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(f"sockutil:{name}:")]


def assert_gone(name: str) -> None:
    """No thread of the server is left, and nothing listens for it."""
    for thread in server_threads(name):
        thread.join(BOUND)
    assert not server_threads(name)
    assert not running_servers(name)


def refuses(port: int) -> bool:
    try:
        connect(port).close()
    except ConnectionRefusedError:
        return True
    return False


# ----------------------------------------------------------- stop during start
def test_stop_from_the_starting_thread_during_start_is_not_lost(monkeypatch):
    """A stop() that runs inside start() (say, from an event listener) wins."""
    server = Server("echo", name="stop-inside-start")
    real_listening_socket = servers.listening_socket
    ports = []

    def bind_then_stop(*args, **kwargs):
        sock = real_listening_socket(*args, **kwargs)
        ports.append(sock.getsockname()[1])
        server.stop()  # the server is bound but not yet running
        return sock

    monkeypatch.setattr(servers, "listening_socket", bind_then_stop)
    server.start()
    assert not server.running
    assert_gone("stop-inside-start")
    assert refuses(ports[0])


def test_stop_from_another_thread_during_start_is_not_lost(monkeypatch):
    """stop() returns only once the server is stopped, even if start() was halfway."""
    server = Server("echo", name="stop-across-threads")
    real_listening_socket = servers.listening_socket
    progress = threading.Event()  # the stopper has returned, or waits for start()
    seen_at_return = {}

    def stopper():
        server.stop()
        seen_at_return["running"] = server.running
        seen_at_return["threads"] = [t.name for t in server_threads("stop-across-threads")]
        progress.set()

    def hook(point):
        if point == "stop: waiting for start":
            progress.set()

    monkeypatch.setattr(server, "_at", hook, raising=False)
    stopping = threading.Thread(target=stopper, name="test-stopper")

    def bind_then_let_stop_in(*args, **kwargs):
        sock = real_listening_socket(*args, **kwargs)
        stopping.start()
        assert progress.wait(BOUND)
        return sock

    monkeypatch.setattr(servers, "listening_socket", bind_then_let_stop_in)
    server.start()
    stopping.join(BOUND)
    assert not stopping.is_alive()
    assert seen_at_return == {"running": False, "threads": []}
    assert not server.running
    assert_gone("stop-across-threads")


# ------------------------------------------------------------ replace by name
def test_two_starts_under_one_name_never_both_run(monkeypatch):
    """A double click: two starts of one name at once; exactly one server runs after."""
    real_running_servers = servers.running_servers
    first_is_looking = threading.Event()
    second_arrived = threading.Event()  # the second start found no one, or waits its turn

    def looking(name=None):
        found = real_running_servers(name)
        if threading.current_thread().name == "first-start":
            first_is_looking.set()
            assert second_arrived.wait(BOUND)
        elif threading.current_thread().name == "second-start":
            second_arrived.set()
        return found

    def hook(point):
        if point == "start: waiting for the name" and threading.current_thread().name == "second-start":
            second_arrived.set()

    monkeypatch.setattr(servers, "running_servers", looking)
    started = {}

    def start(which):
        server = Server("echo", name="double-click")
        server._at = hook
        started[which] = server.start()

    first = threading.Thread(target=start, args=("first",), name="first-start")
    second = threading.Thread(target=start, args=("second",), name="second-start")
    first.start()
    assert first_is_looking.wait(BOUND)
    second.start()
    first.join(BOUND)
    second.join(BOUND)
    try:
        alive = [s for s in started.values() if s.running]
        assert len(alive) == 1
        assert real_running_servers("double-click") == alive
    finally:
        for server in started.values():
            server.stop()
    assert_gone("double-click")


def test_start_and_stop_from_many_threads_at_once_leave_nothing_running():
    """Any mix of starts and stops, twice each, ends with at most one server per name."""
    barrier = threading.Barrier(8, timeout=BOUND)
    made = []
    lock = threading.Lock()

    def churn(i):
        barrier.wait()
        for _ in range(5):
            server = Server("echo", name="churn")
            with lock:
                made.append(server)
            server.start()
            if i % 2:
                server.stop()
                server.stop()

    threads = [threading.Thread(target=churn, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(BOUND * 4)
    try:
        assert len(running_servers("churn")) <= 1
        assert sum(s.running for s in made) <= 1
    finally:
        for server in made:
            server.stop()
    assert_gone("churn")
    assert all(s.events[-1].kind == ev.STOPPED for s in made)


def test_a_second_stop_waits_for_the_first_to_finish(monkeypatch):
    """Two stops at once: neither returns while the server's threads still run."""
    release = threading.Event()
    in_handler = threading.Event()

    def stubborn(conn):
        in_handler.set()
        release.wait(BOUND)  # ignores the stop until released

    server = serve(stubborn, name="stubborn")
    progress = threading.Event()  # the second stop has returned, or waits for the first
    seen = {}

    def hook(point):
        if point == "stop: waiting for the other stop":
            progress.set()

    server._at = hook
    with connect(server.port):
        assert in_handler.wait(BOUND)
        first = threading.Thread(target=server.stop, kwargs={"timeout": BOUND * 2})
        first.start()
        assert server._stopping.wait(BOUND)

        def second_stop():
            server.stop()
            seen["threads"] = [t.name for t in server_threads("stubborn") if t.is_alive()]
            progress.set()

        second = threading.Thread(target=second_stop)
        second.start()
        assert progress.wait(BOUND)
        release.set()
        first.join(BOUND)
        second.join(BOUND)
    assert seen == {"threads": []}
    assert_gone("stubborn")


# ------------------------------------------------------- failures in accepting
def test_a_thread_that_cannot_start_is_an_error_event_and_serving_goes_on(monkeypatch):
    real_start = threading.Thread.start

    def start(thread):
        if thread.name == "sockutil:no-thread:c1":
            raise RuntimeError("can't start new thread")
        return real_start(thread)

    monkeypatch.setattr(threading.Thread, "start", start)
    with Server("echo", name="no-thread") as server:
        with connect(server.port) as sock:
            assert recv_until_closed(sock) == b""  # that connection is closed at once
        with connect(server.port) as sock:
            assert send_and_receive(sock, b"next") == b"next"
        server.wait_idle()
        c1 = [(e.kind, e.detail) for e in server.events if e.conn == "c1"]
        assert c1 == [
            (ev.OPENED, ""),
            (ev.ERROR, "cannot serve it: RuntimeError: can't start new thread"),
            (ev.CLOSED, ""),
        ]
        assert server.summary()["c2"].ending == ev.PEER_CLOSED


def test_running_out_of_descriptors_for_a_connection_is_an_error_event(monkeypatch):
    """EMFILE while setting up a connection (its selector): close it, record it, go on."""
    real_selector = selectors.DefaultSelector
    armed = threading.Event()

    def selector():
        if armed.is_set() and threading.current_thread().name.endswith(":accept"):
            armed.clear()
            raise OSError(errno.EMFILE, os.strerror(errno.EMFILE))
        return real_selector()

    with Server("echo", name="emfile") as server:
        server.wait_idle()  # the accept thread has made its own selector
        monkeypatch.setattr(selectors, "DefaultSelector", selector)
        armed.set()
        with connect(server.port) as sock:
            assert recv_until_closed(sock) == b""
        with connect(server.port) as sock:
            assert send_and_receive(sock, b"still here") == b"still here"
        server.wait_idle()
        errors = [(e.conn, e.detail) for e in server.events if e.kind == ev.ERROR]
        assert errors == [("c1", "cannot serve it: OSError (EMFILE)")]


def test_accept_failing_once_is_an_error_event_and_the_client_is_served_after(monkeypatch):
    real_accept = socket.socket.accept
    failures = []

    def accept(sock):
        if not failures and threading.current_thread().name == "sockutil:accept-fails:accept":
            failures.append(1)
            raise OSError(errno.EMFILE, os.strerror(errno.EMFILE))
        return real_accept(sock)

    monkeypatch.setattr(socket.socket, "accept", accept)
    with Server("echo", name="accept-fails") as server:
        with connect(server.port) as sock:
            assert send_and_receive(sock, b"hello") == b"hello"
        server.wait_idle()
        assert [e.detail for e in server.events if e.kind == ev.ERROR] == ["accept failed: OSError"]


# ------------------------------------------------------------ many descriptors
@pytest.fixture
def descriptors_above_1024():
    """Hold 1100 descriptors so that the server's sockets get numbers above 1024."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 1400
    if hard != resource.RLIM_INFINITY and hard < wanted:
        pytest.skip(f"RLIMIT_NOFILE hard limit {hard} is below {wanted}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, wanted), hard))
    held = []
    try:
        for _ in range(1100):
            held.append(os.open(os.devnull, os.O_RDONLY))
        yield
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_wait_idle_works_with_descriptors_above_1024(descriptors_above_1024):
    with Server("echo", name="many-fds") as server:
        assert server._listener.fileno() >= 1024
        with connect(server.port) as sock:
            assert sock.fileno() >= 1024
            assert send_and_receive(sock, b"high") == b"high"
        server.wait_idle()
        assert server.summary()["c1"].ending == ev.PEER_CLOSED


# ------------------------------------------------------ handlers on the raw socket
def _stop_while_blocked(handler, name, client_sends=b""):
    blocked = threading.Event()

    def wrapped(conn):
        blocked.set()
        handler(conn)

    wrapped.__name__ = name
    server = serve(wrapped, name=name)
    with connect(server.port) as sock:
        if client_sends:
            sock.sendall(client_sends)
        assert blocked.wait(BOUND)
        server.stop()
        assert not server.running
        assert_gone(name)
    ends = [(e.kind, e.detail) for e in server.events if e.conn == "c1"][-1]
    assert ends == (ev.CLOSED, "(server stopping)")
    assert ev.ERROR not in [e.kind for e in server.events]


def test_stop_ends_a_handler_blocked_in_raw_sock_recv():
    def raw_reader(conn):
        while conn.sock.recv(4096):
            pass

    _stop_while_blocked(raw_reader, "raw-recv")


def test_stop_ends_a_handler_blocked_in_raw_sock_sendall():
    def raw_flood(conn):
        block = b"x" * 65536
        while True:  # the client never reads: the buffers fill and sendall blocks
            conn.sock.sendall(block)

    _stop_while_blocked(raw_flood, "raw-sendall")


def test_stop_ends_a_handler_that_reads_raw_and_writes_raw():
    def raw_echo(conn):
        while data := conn.sock.recv(4096):
            conn.sock.sendall(data)

    _stop_while_blocked(raw_echo, "raw-echo", client_sends=b"x" * 10)


def test_start_that_cannot_start_its_accept_thread_raises_and_closes_everything(monkeypatch):
    real_start = threading.Thread.start
    ports = []
    real_listening_socket = servers.listening_socket

    def listening(*args, **kwargs):
        sock = real_listening_socket(*args, **kwargs)
        ports.append(sock.getsockname()[1])
        return sock

    def start(thread):
        if thread.name == "sockutil:no-accept:accept":
            raise RuntimeError("can't start new thread")
        return real_start(thread)

    monkeypatch.setattr(servers, "listening_socket", listening)
    monkeypatch.setattr(threading.Thread, "start", start)
    server = Server("echo", name="no-accept")
    with pytest.raises(RuntimeError, match="can't start new thread"):
        server.start()
    assert not server.running
    assert [e.kind for e in server.events] == [ev.LISTENING, ev.STOPPED]
    assert refuses(ports[0])
    server.stop()  # nothing left to do, and no error

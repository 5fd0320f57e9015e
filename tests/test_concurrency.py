"""The three concurrency models and the race between them, over loopback.

No test here measures a speed: concurrency is shown by counting the requests
that are being worked on at once (each model calls ``on_work`` as a request's
work begins), with the work long enough that a serial server could never have
two at once. The only times asserted are lower bounds that the work's sleeps
guarantee.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading

import pytest

from sockutil import concurrency
from sockutil.clients import connect, recv_until_closed
from sockutil.servers import Connection, Server

#: Bound on every wait here; reached only when a test is failing.
BOUND = 5.0

#: Work long enough that no reply comes during a test: a serial model would
#: hold every other request behind the first for this long.
FOREVER = 60.0


def model_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(("sockutil:model-", "sockutil:race:", "sockutil-model:"))]


def assert_no_model_threads() -> None:
    for thread in model_threads():
        thread.join(BOUND)
    assert not model_threads()


class InWork:
    """Counts the requests whose work has begun, and lets a test wait for a number."""

    def __init__(self) -> None:
        self.count = 0
        self.changed = threading.Condition()

    def __call__(self) -> None:
        with self.changed:
            self.count += 1
            self.changed.notify_all()

    def wait_for(self, n: int) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: self.count >= n, BOUND)


@pytest.mark.parametrize("model", [concurrency.event_loop, concurrency.thread_per_client],
                         ids=["selectors", "thread per client"])
def test_concurrent_models_work_on_every_request_at_once(model):
    """Fails if the model becomes serial: with endless work only one request would be in work."""
    clients = 5
    in_work = InWork()
    port, stop = model(FOREVER, on_work=in_work)
    socks = []
    try:
        for _ in range(clients):
            sock = connect(port)
            socks.append(sock)
            sock.sendall(b"request\n")
        assert in_work.wait_for(clients), f"only {in_work.count} of {clients} requests in work at once"
    finally:
        stop()
        for sock in socks:
            sock.close()
    assert in_work.count == clients
    assert_no_model_threads()


def test_every_model_answers_a_race_and_stops_twice():
    for name, model in concurrency.MODELS.items():
        times = concurrency.race(model, 3, 0.0)
        assert len(times) == 3 and all(t >= 0 for t in times), name
        port, stop = model(0.0)
        stop()
        stop()  # a second stop is a no-op, not EBADF
        assert_no_model_threads()


def stop_from_two_threads(stop) -> list[Exception]:
    """Call ``stop`` from two threads at once; what either raised."""
    errors: list[Exception] = []

    def stopper() -> None:
        try:
            stop()
        except Exception as error:  # noqa: BLE001 - collected for the assertion
            errors.append(error)

    threads = [threading.Thread(target=stopper) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(BOUND)
    return errors


@pytest.mark.parametrize("name", list(concurrency.MODELS))
def test_stop_from_two_threads_at_once(name):
    port, stop = concurrency.MODELS[name](0.0)
    assert stop_from_two_threads(stop) == []
    assert_no_model_threads()


def test_two_stops_that_meet_inside_stop_act_once():
    """The one-thread models' stop, called from two threads that both get inside it, acts once.

    The hook makes the meeting certain where it can happen: after its look at
    the flag, a caller waits (at most 1 s) until the other has looked too. Without the
    lock both then see the flag clear, both wake the loop, and the second
    sends on a socket the first has closed (OSError). With it, the second
    caller waits outside until the first is done, and sees the flag set.
    """
    arrived = threading.Barrier(2)

    class MeetingFlag(threading.Event):
        def is_set(self) -> bool:
            seen = super().is_set()
            with contextlib.suppress(threading.BrokenBarrierError):
                arrived.wait(1.0)   # both callers have looked, if the lock lets them, before either acts
            return seen

    wake_r, wake_w = socket.socketpair()
    loop = threading.Thread(target=lambda: None)
    loop.start()
    errors = stop_from_two_threads(concurrency._stopper(MeetingFlag(), wake_w, loop))
    with wake_r:
        wake_r.settimeout(1.0)
        woken = wake_r.recv(16)
    assert errors == [] and woken == b"!", (errors, woken)


def test_iterative_survives_a_readiness_that_is_gone_by_accept(monkeypatch):
    """select() can report a client that has gone before accept(): the loop must not block there.

    A blocking accept() would wait for the next client, and on Linux no stop()
    can wake it.
    """
    real = selectors.DefaultSelector
    reported = threading.Event()

    class ReportsAGhost(real):
        def select(self, timeout=None):
            if not reported.is_set():
                for key in self.get_map().values():
                    sock = key.fileobj
                    if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN):
                        reported.set()
                        return [(key, selectors.EVENT_READ)]  # nobody is in the queue
            return super().select(timeout)

    monkeypatch.setattr(selectors, "DefaultSelector", ReportsAGhost)
    port, stop = concurrency.iterative(0.0)
    try:
        assert reported.wait(BOUND)
        monkeypatch.setattr(selectors, "DefaultSelector", real)
    finally:
        stop()
    assert_no_model_threads()


def test_iterative_serves_the_next_client_after_a_vanished_one():
    port, stop = concurrency.iterative(0.0)
    try:
        vanished = connect(port)
        vanished.close()
        with connect(port) as sock:
            sock.sendall(b"request\n")
            assert recv_until_closed(sock) == concurrency.REPLY
    finally:
        stop()
    assert_no_model_threads()


def test_iterative_stops_at_once_during_a_requests_work_with_a_client_queued():
    in_work = InWork()
    port, stop = concurrency.iterative(FOREVER, on_work=in_work)
    with connect(port) as first, connect(port) as silent:
        first.sendall(b"request\n")
        assert in_work.wait_for(1)  # the server works on the first; the second waits
        stop()
        assert_no_model_threads()
        assert recv_until_closed(first) == b""  # stopped during the work: no reply
        del silent


def closes_some(reply_to: set[str]):
    """A model whose server answers only the connections named in ``reply_to``."""

    def model(work):
        def handler(conn: Connection) -> None:
            conn.recv()
            if conn.name in reply_to:
                conn.sendall(concurrency.REPLY)

        server = Server(handler, name="race-failures").start()
        return server.port, server.stop

    return model


def test_a_client_without_a_reply_is_a_failure_not_a_slow_time():
    with pytest.raises(RuntimeError) as info:
        concurrency.race(closes_some({"c1", "c3"}), 3, 0.0)
    error = info.value
    assert type(error).__name__ == "ClientsFailedError"
    assert str(error).startswith("1 of 3 clients got no reply (first: the server closed after sending b'')")
    assert sorted(t is None for t in error.times) == [False, False, True]
    assert list(error.failures.values()) == ["the server closed after sending b''"]


def test_a_refused_client_is_named_as_refused():
    def nothing_listens(work):
        with socket.create_server(("127.0.0.1", 0)) as taken:
            port = taken.getsockname()[1]
        return port, lambda: None

    with pytest.raises(RuntimeError) as info:
        concurrency.race(nothing_listens, 2, 0.0)
    assert set(info.value.failures.values()) == {"ConnectionRefusedError"}
    assert info.value.times == [None, None]
    assert_no_model_threads()


def test_race_counts_every_client_from_the_common_start(monkeypatch):
    """A client whose thread runs late after the start still counts the work served before it.

    Client 2 is held after the start line until client 1 has been served
    completely (a hook in the barrier, no sleep). Served one at a time, client 2
    finishes after both pieces of work; counted from its own late clock (the
    old code) it seemed to wait for one.
    """
    work = 0.2

    class LateSecondClient(threading.Barrier):
        def wait(self, timeout=None):
            index = super().wait(timeout)
            if threading.current_thread().name.endswith("client-2"):
                first = [t for t in threading.enumerate() if t.name.endswith("race:client-1")]
                for thread in first:
                    thread.join(BOUND)
            return index

    monkeypatch.setattr(concurrency.threading, "Barrier", LateSecondClient)
    times = concurrency.race(concurrency.iterative, 2, work)
    assert min(times) >= work
    assert max(times) >= 2 * work, times
    assert_no_model_threads()

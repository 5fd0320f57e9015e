"""The race of notebook 08 tells a concurrent server from an iterative one by an order of events."""

from __future__ import annotations

import contextlib
import math
import socket
import threading

from sockutil.races import Race, time_clients


def echo(conn: socket.socket, upper: bool) -> None:
    with conn:
        conn.settimeout(3)
        try:
            while data := conn.recv(4096):
                conn.sendall(data.upper() if upper else data)
        except OSError:
            pass


@contextlib.contextmanager
def serving(concurrent: bool, upper: bool = False):
    """A small echo server on 127.0.0.1: a thread per client, or one client at a time."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=16)
    listener.settimeout(0.05)
    stop = threading.Event()
    workers: list[threading.Thread] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            if concurrent:
                worker = threading.Thread(target=echo, args=(conn, upper), daemon=True)
                worker.start()
                workers.append(worker)
            else:
                echo(conn, upper)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(5)
        for worker in workers:
            worker.join(5)
        listener.close()


def test_the_slow_client_blocks_every_fast_one_on_an_iterative_server():
    with serving(concurrent=False) as port:
        race = time_clients(port, fast=3, slow_delay=0.2, patience=0.5)
    assert race.answered == race.clients == 4
    assert race.fast_before_slow_sent == 0
    assert min(race.fast) >= race.slow_sent >= 0.5 and race.slow >= 0.5  # it waited its patience out
    assert len(race.times) == 4


def test_the_slow_client_waits_for_the_fast_ones_on_a_concurrent_server():
    with serving(concurrent=True, upper=True) as port:
        race = time_clients(port, fast=6, slow_delay=0.0, message=b"hi\n", expected=b"HI\n", patience=3.0)
    assert race.answered == race.clients
    assert race.fast_before_slow_sent == 6  # an order of events, not a clock
    assert max(race.fast) < race.slow_sent < 3.0


def test_a_refused_server_makes_every_client_fail_in_words():
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        port = placeholder.getsockname()[1]
    race = time_clients(port, fast=2, slow_delay=0.1, timeout=0.5)
    assert race.answered == 0 and race.slow == math.inf
    assert race.errors and race.errors[0] == "ConnectionRefusedError"


def test_the_race_threads_are_the_kits():
    names: list[str] = []
    original = threading.Thread.start

    def record(thread: threading.Thread) -> None:
        names.append(thread.name)
        original(thread)

    threading.Thread.start = record  # type: ignore[method-assign]
    try:
        with socket.create_server(("127.0.0.1", 0)) as placeholder:
            port = placeholder.getsockname()[1]
        time_clients(port, fast=1, slow_delay=0.0, timeout=0.5)
    finally:
        threading.Thread.start = original  # type: ignore[method-assign]
    assert names and all(name.startswith("sockutil-race:") for name in names)


def test_a_race_counts_only_finished_fast_clients():
    race = Race(0.5, slow=0.9, fast=[0.1, math.inf, 0.7], slow_sent=0.6)
    assert race.fast_before_slow_sent == 1
    assert race.answered == 3 and race.clients == 4

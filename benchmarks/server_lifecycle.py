"""Start, first echo, stop: sockutil's Server against socketserver.ThreadingTCPServer.

Why: a notebook starts and stops servers all the time (every re-run of a
cell), so stopping must be instant. The standard library's socketserver polls
for its shutdown flag every half second; sockutil's server is woken by a byte
on a socketpair instead. This benchmark measures both in the same run, on
loopback, and prints a table of medians and 90th percentiles, every figure as
measured in this run. Its last line is

    stop: sockutil X ms, socketserver Y ms

Each round makes a real echo round trip (it also works under ``python -O``)
and stops its server on every path, an error or Ctrl-C included.

The target: X at most 10 ms, and at least 20 times below Y. The exit status is
1 if the target is missed.

    python benchmarks/server_lifecycle.py [--rounds N]
"""

from __future__ import annotations

import argparse
import socket
import socketserver
import statistics
import sys
import threading
import time
from typing import Callable

from sockutil import Server
from sockutil.clients import connect, send_and_receive

MESSAGE = b"ping"


#: Seconds to wait for a server to be back waiting for connections after an echo.
SETTLE_TIMEOUT = 5.0


class _Echo(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(4096):
            self.request.sendall(data)


class _SocketServer(socketserver.ThreadingTCPServer):
    """ThreadingTCPServer that says when its loop is back waiting after a request.

    Without it, a stop that came while serve_forever was still busy with the
    request returned at once, and the median fell anywhere between 0 and 500
    ms depending on thread scheduling. Both servers are stopped idle.
    """

    daemon_threads = True

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.handled = False
        self.back_to_waiting = threading.Event()

    def process_request(self, request, client_address) -> None:
        super().process_request(request, client_address)
        self.handled = True

    def service_actions(self) -> None:  # called by serve_forever after each turn of its loop
        if self.handled:
            self.back_to_waiting.set()


def _ms(start: int, end: int) -> float:
    return (end - start) / 1e6


def echo_once(port: int) -> None:
    """One real round trip; raises if the reply is wrong.

    A plain call, not ``assert send_and_receive(...) == MESSAGE``: under
    ``python -O`` asserts are removed together with their side effects, and
    the benchmark then timed a connection that sent nothing.
    """
    with connect(port) as sock:
        echo_on(sock)


def echo_on(sock: socket.socket) -> None:
    reply = send_and_receive(sock, MESSAGE)
    if reply != MESSAGE:
        raise RuntimeError(f"the echo server answered {reply!r} to {MESSAGE!r}")


def round_sockutil() -> tuple[float, float, float]:
    t0 = time.perf_counter_ns()
    server = Server("echo", name="benchmark").start()
    try:
        t1 = time.perf_counter_ns()
        echo_once(server.port)
        t2 = time.perf_counter_ns()
        server.wait_idle(SETTLE_TIMEOUT)
        t2_idle = time.perf_counter_ns()
    finally:
        server.stop()  # also when the echo failed: no server outlives its round
    t3 = time.perf_counter_ns()
    return _ms(t0, t1), _ms(t1, t2), _ms(t2_idle, t3)


def _stop_socketserver(server: socketserver.BaseServer, thread: threading.Thread) -> None:
    if thread.ident is not None:  # shutdown() waits forever if serve_forever never ran
        server.shutdown()  # waits for serve_forever's next poll (every 0.5 s)
    server.server_close()
    thread.join(5)


def round_socketserver() -> tuple[float, float, float]:
    t0 = time.perf_counter_ns()
    server = _SocketServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, name="benchmark-socketserver", daemon=True)
    try:
        thread.start()
        t1 = time.perf_counter_ns()
        echo_once(server.server_address[1])
        t2 = time.perf_counter_ns()
        if not server.back_to_waiting.wait(SETTLE_TIMEOUT):
            raise RuntimeError("socketserver did not go back to waiting after the echo")
        t2_idle = time.perf_counter_ns()
    finally:
        _stop_socketserver(server, thread)
    t3 = time.perf_counter_ns()
    return _ms(t0, t1), _ms(t1, t2), _ms(t2_idle, t3)


def round_sockutil_busy(open_clients: int = 20) -> tuple[float, float, float]:
    """Stop with connections still open: every handler thread must be woken."""
    server = Server("echo", name="benchmark-busy").start()
    clients = []
    try:
        for _ in range(open_clients):
            clients.append(connect(server.port))
            echo_on(clients[-1])
        t0 = time.perf_counter_ns()
        server.stop()
        t1 = time.perf_counter_ns()
    finally:
        server.stop()  # a no-op after the timed stop; the stop on an error path
        for sock in clients:
            sock.close()
    return float("nan"), float("nan"), _ms(t0, t1)


def measure(run: Callable[[], tuple[float, float, float]], rounds: int) -> list[tuple[float, ...]]:
    return [run() for _ in range(rounds)]


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10)[-1] if len(values) > 1 else values[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Server start/echo/stop benchmark.")
    parser.add_argument("--rounds", type=int, default=20, help="rounds per server (default 20)")
    args = parser.parse_args(argv)
    if args.rounds < 2:
        parser.error("--rounds must be at least 2")

    results = {
        "sockutil": measure(round_sockutil, args.rounds),
        "socketserver": measure(round_socketserver, args.rounds),
        "sockutil, 20 open": measure(round_sockutil_busy, args.rounds),
    }
    print(f"{args.rounds} rounds each on loopback; times in ms (median / 90th percentile)")
    print(f"{'server':<20}{'start':>16}{'first echo':>16}{'stop':>16}")
    medians = {}
    for name, rows in results.items():
        cells = []
        for column in range(3):
            values = [row[column] for row in rows]
            if any(v != v for v in values):  # NaN: not measured in this scenario
                cells.append(f"{'-':>16}")
                continue
            median = statistics.median(values)
            cells.append(f"{median:>8.2f} /{p90(values):>6.2f}")
            if column == 2:
                medians[name] = median
        print(f"{name:<20}{''.join(cells)}")

    ours, theirs = medians["sockutil"], medians["socketserver"]
    met = ours <= 10 and ours * 20 <= theirs
    print(f"target (sockutil stop <= 10 ms and 20x below socketserver): {'met' if met else 'MISSED'}")
    print(f"stop: sockutil {ours:.2f} ms, socketserver {theirs:.2f} ms")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())

"""Start, first echo, stop: sockutil's Server against socketserver.ThreadingTCPServer.

Why: a notebook starts and stops servers all the time (every re-run of a
cell), so stopping must be instant. The standard library's socketserver polls
for its shutdown flag every half second; sockutil's server is woken by a byte
on a socketpair instead. This benchmark measures both in the same run, on
loopback, and prints a table of medians and 90th percentiles. Its last line is

    stop: sockutil X ms, socketserver Y ms

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


class _Echo(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(4096):
            self.request.sendall(data)


def _ms(start: int, end: int) -> float:
    return (end - start) / 1e6


def round_sockutil() -> tuple[float, float, float]:
    t0 = time.perf_counter_ns()
    server = Server("echo", name="benchmark").start()
    t1 = time.perf_counter_ns()
    with connect(server.port) as sock:
        assert send_and_receive(sock, MESSAGE) == MESSAGE
    t2 = time.perf_counter_ns()
    server.stop()
    t3 = time.perf_counter_ns()
    return _ms(t0, t1), _ms(t1, t2), _ms(t2, t3)


def round_socketserver() -> tuple[float, float, float]:
    t0 = time.perf_counter_ns()
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    t1 = time.perf_counter_ns()
    with connect(server.server_address[1]) as sock:
        assert send_and_receive(sock, MESSAGE) == MESSAGE
    t2 = time.perf_counter_ns()
    server.shutdown()  # waits for serve_forever's next poll (every 0.5 s)
    server.server_close()
    thread.join(5)
    t3 = time.perf_counter_ns()
    return _ms(t0, t1), _ms(t1, t2), _ms(t2, t3)


def round_sockutil_busy(open_clients: int = 20) -> tuple[float, float, float]:
    """Stop with connections still open: every handler thread must be woken."""
    server = Server("echo", name="benchmark-busy").start()
    clients = [connect(server.port) for _ in range(open_clients)]
    for sock in clients:
        send_and_receive(sock, MESSAGE)
    t0 = time.perf_counter_ns()
    server.stop()
    t1 = time.perf_counter_ns()
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

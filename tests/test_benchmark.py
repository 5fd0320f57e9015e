"""benchmarks/server_lifecycle.py measures real echoes (also under -O) and stops its servers on every path."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from tests.tool_loading import load_script

BENCHMARK = Path(__file__).resolve().parent.parent / "benchmarks" / "server_lifecycle.py"

#: Counts the bytes each server received, then runs the benchmark as a script.
_COUNTING_RUN = textwrap.dedent(
    """
    import runpy, socket, sys, threading
    from sockutil import servers

    sockutil_bytes, socketserver_bytes = [], [0]
    real_stop, real_recv = servers.Server.stop, socket.socket.recv

    def stop(self, *args, **kwargs):
        if self.running:
            sockutil_bytes.append(sum(s.received for s in self.summary().values()))
        return real_stop(self, *args, **kwargs)

    def recv(self, *args):
        data = real_recv(self, *args)
        if "process_request_thread" in threading.current_thread().name:
            socketserver_bytes[0] += len(data)
        return data

    servers.Server.stop, socket.socket.recv = stop, recv
    sys.argv = ["server_lifecycle.py", "--rounds", "2"]
    try:
        runpy.run_path({path!r}, run_name="__main__")
    except SystemExit:
        pass
    print("sockutil received", sockutil_bytes)
    print("socketserver received", socketserver_bytes[0])
    """
)


def test_under_python_O_every_round_really_echoes():
    script = _COUNTING_RUN.format(path=str(BENCHMARK))
    result = subprocess.run([sys.executable, "-O", "-c", script], capture_output=True, text=True, timeout=120)
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    # Two plain rounds of one 4-byte echo each, then two rounds with 20 clients.
    assert lines[-2:] == ["sockutil received [4, 4, 80, 80]", "socketserver received 8"]
    assert re.fullmatch(r"stop: sockutil \d+\.\d\d ms, socketserver \d+\.\d\d ms", lines[-3])


def _load_benchmark():
    return load_script(BENCHMARK, "server_lifecycle_under_test")


def _benchmark_threads() -> list[str]:
    return [t.name for t in threading.enumerate()
            if t.name.startswith("sockutil:benchmark") or "serve_forever" in t.name
            or t.name == "benchmark-socketserver"]


@pytest.mark.parametrize("round_name", ["round_sockutil", "round_socketserver", "round_sockutil_busy"])
def test_a_failing_echo_still_stops_the_server(monkeypatch, round_name):
    benchmark = _load_benchmark()

    def broken(sock, message):
        raise ConnectionResetError("the echo failed")

    monkeypatch.setattr(benchmark, "send_and_receive", broken)
    with pytest.raises(ConnectionResetError):
        getattr(benchmark, round_name)()
    assert _benchmark_threads() == []

"""The command line, run as a real process and reached with a real client."""

from __future__ import annotations

import re
import subprocess
import sys

from sockutil.clients import request


def test_serve_runs_a_server_a_client_can_reach():
    process = subprocess.Popen(
        [sys.executable, "-m", "sockutil", "serve", "upper", "--seconds", "10"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert process.stdout.readline().strip() == "#1 server listening (upper)"
        second = process.stdout.readline()
        match = re.match(r"upper server on 127\.0\.0\.1:(\d+); press Ctrl\+C to stop", second)
        assert match, second
        assert request(int(match.group(1)), b"hi there") == b"HI THERE"
        lines = [process.stdout.readline().strip() for _ in range(4)]
        assert lines == ["#2 c1 opened", "#3 c1 received 8 bytes b'hi there'",
                         "#4 c1 sent 8 bytes b'HI THERE'", "#5 c1 closed by peer"]
    finally:
        process.terminate()
        process.communicate(timeout=10)


def test_resolve_prints_addresses_and_fails_clearly():
    ok = subprocess.run([sys.executable, "-m", "sockutil", "resolve", "127.0.0.1"],
                        capture_output=True, text=True, timeout=30)
    assert ok.returncode == 0 and ok.stdout.strip() == "127.0.0.1"
    bad = subprocess.run([sys.executable, "-m", "sockutil", "resolve", "nonexistent.invalid"],
                         capture_output=True, text=True, timeout=30)
    assert bad.returncode == 1 and "cannot resolve 'nonexistent.invalid'" in bad.stderr

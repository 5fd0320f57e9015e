""".ci/isolated.py: a command in a network namespace of its own, whose loopback ports cannot meet ours."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.tool_loading import load_script

ROOT = Path(__file__).resolve().parent.parent
isolated = load_script(ROOT / ".ci" / "isolated.py", "ci_isolated")

pytestmark = pytest.mark.skipif(
    not isolated.available(), reason="network namespaces need root on Linux with unshare and ip (as CI has)"
)


def test_a_port_taken_here_is_free_inside_and_only_loopback_exists():
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        code = (
            "import socket\n"
            f"s = socket.create_server(('127.0.0.1', {port})); s.close()\n"
            "print(sorted(name for _, name in socket.if_nameindex()))\n"
        )
        done = subprocess.run(isolated.prefix() + [sys.executable, "-c", code],
                              capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['lo']"


def test_as_an_ordinary_user_no_capability_is_left():
    done = subprocess.run(isolated.prefix((65534, 65534)) + ["sh", "-c", "id -u; grep CapEff /proc/self/status"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    uid, caps = done.stdout.split("\n")[:2]
    assert uid == "65534"
    assert caps.split()[1] == "0000000000000000"

"""Run a command in a network namespace of its own, where only loopback exists, optionally as another user.

Why: .ci/run checks Binder's environment and the other Pythons while the
main test suite runs, since most of a test run is spent waiting, not
computing. Two runs of the same notebooks on one loopback would compete for
the ports a lesson chooses (notebook 04 asks for 4444), and a lost race
would change what a cell prints. In a namespace of its own each run has its
own loopback, ports and /proc/net tables, so nothing it does can meet the
other run. Linux only, and root only (creating a network namespace needs
CAP_SYS_ADMIN); ``available()`` says whether this machine can.

    sudo python3 .ci/isolated.py -- .venv/bin/python -m pytest
    sudo python3 .ci/isolated.py --user 1000:1000 -- env/bin/python .ci/execute_notebooks.py
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve()


def available() -> bool:
    """Whether commands can be isolated here: root on Linux, with util-linux's unshare and iproute2's ip."""
    if sys.platform != "linux" or os.geteuid() != 0 or not (shutil.which("unshare") and shutil.which("ip")):
        return False
    return subprocess.run(["unshare", "--net", "true"], capture_output=True, timeout=30).returncode == 0


def prefix(user: tuple[int, int] | None = None) -> list[str]:
    """The words to put before a command to run it isolated (and as ``user``, a (uid, gid) pair)."""
    words = [sys.executable, str(HERE)]
    if user:
        words += ["--user", f"{user[0]}:{user[1]}"]
    return words + ["--"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--user", help="UID:GID to run the command as, with no supplementary groups")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command")
    if not args.inside:
        again = [sys.executable, str(HERE), "--inside"] + (["--user", args.user] if args.user else [])
        os.execvp("unshare", ["unshare", "--net", "--"] + again + ["--"] + command)
    # Inside the new namespace: its loopback starts down.
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True, timeout=30)
    if args.user:
        uid, gid = (int(part) for part in args.user.split(":"))
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)  # from root to an ordinary user: every capability is dropped
    os.execvp(command[0], command)
    return 127  # not reached: exec replaces this process


if __name__ == "__main__":
    sys.exit(main())

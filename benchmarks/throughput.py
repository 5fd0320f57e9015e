"""Bulk throughput on loopback: the kit's transfer against iperf3, measured in the same run.

Why: notebook 11 shows that the size of each write decides how fast a
program can send. With large writes, plain Python should come close to a tool
written in C for the job. This benchmark checks that claim against iperf3,
the usual tool for measuring TCP throughput, on the same machine, in the same
run, like with like:

* **the kit**: ``sockutil.throughput.transfer("sendall", 1 MiB,
  receiver=RECEIVER)``. One TCP connection on 127.0.0.1. The sender (this
  process's main thread) calls ``sendall`` with 1 MiB slices of a buffer
  made once (memoryviews: nothing is copied in Python). The receiver, a
  Python process of its own, calls ``recv_into`` with one preallocated 1 MiB
  buffer until the end of the stream, counting the bytes, then reports the
  count back; the clock runs from the first ``sendall`` until that report.
  Its socket is non-blocking and it waits in ``select`` when a read finds
  nothing, as iperf3's receiver does; unlike iperf3 it also sets
  ``SO_RCVLOWAT`` to 256 KiB, so that it is woken for fuller reads. Measured
  here, each of the two brought about a tenth (blocking reads without
  SO_RCVLOWAT gave a ratio of 0.75 to 0.8).
  It really receives every byte (no ``MSG_TRUNC``), but does not hash them.
* **iperf3**: ``iperf3 -s -1`` on 127.0.0.1 and a port free a moment before,
  and ``iperf3 -c 127.0.0.1 -n BYTES -l 1M -J``: one TCP stream, writes of
  1 MiB from one buffer, the server reading 1 MiB at a time. Its figure is
  the receiver's (``end.sum_received``), as the kit's is.
* **the same for both**: the same number of bytes per run (``--bytes``), one
  stream, loopback, the system's default socket buffer sizes (but on Linux the
  kit's ``SO_RCVLOWAT`` of 256 KiB enlarges its receive buffer to hold that
  much; iperf3 sets no such option), no zero-copy tricks (iperf3 without ``-Z``; the kit's ``sendall``, not ``sendfile``,
  which is slower on loopback here).

Why a receiver process: in a thread of the sender's process, the receiver
would share Python's interpreter lock with the sender; both release it
during their system calls, but every turn of either loop needs it back. A
process of its own keeps the two loops apart, as iperf3's two processes are.

Robust figures on a shared machine: other programs share the CPUs (CI gives
2 cores to several jobs), so one run can be slow for reasons of its own. The
benchmark runs ``--rounds`` rounds, each one kit run and one iperf3 run,
alternating which goes first, and compares the best run of each side: the
speed each reaches when the machine leaves it alone. The table shows every
run, and the medians too, all as measured in this run. Its last line is

    throughput: kit X Gbit/s, iperf3 Y Gbit/s (ratio R)

The target: R at least 0.8. The exit status is 1 if it is missed, 2 if
iperf3 is not installed (Debian's package ``iperf3``), 3 if a run failed. The iperf3 server is
killed on every path, an error or Ctrl-C included.

    python benchmarks/throughput.py [--rounds N] [--bytes N]
"""

from __future__ import annotations

import argparse
import json
import os
import selectors
import shutil
import socket
import statistics
import subprocess
import sys
import time

from sockutil.throughput import RECEIVE_BUFFER, transfer

#: The kit's receiver: a process of its own (see the docstring), not a thread.
RECEIVER = "process"

#: The write (and read) size of both sides: 1 MiB, as the target says.
BUFFER = RECEIVE_BUFFER

#: Bytes per run: 1 GiB, a fifth of a second to a second at the speeds seen here (about 10 to 50
#: Gbit/s, depending on the load): long enough to dwarf connection set-up, short enough for CI.
DEFAULT_BYTES = 1 << 30

#: Rounds: enough that each side is likely to get at least one run the machine's other work leaves alone.
DEFAULT_ROUNDS = 8

#: The target: the kit's best at least this fraction of iperf3's best.
TARGET_RATIO = 0.8

#: Seconds to wait for iperf3's server to say it is listening, and for a run to end.
SERVER_START_TIMEOUT = 10.0
RUN_TIMEOUT = 60.0

#: Attempts to start iperf3's server: the free port we found may be taken before it binds.
SERVER_ATTEMPTS = 3


class BenchmarkError(RuntimeError):
    """A run could not be measured; the message says why."""


def free_port() -> int:
    """A port free on 127.0.0.1 a moment ago (iperf3 must bind it itself, so there is a race)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_listening(server: subprocess.Popen, deadline: float) -> bool:
    """Read the server's output until it says it is listening (True) or ends (False).

    Raw reads from the pipe (``os.read``), so that nothing waits in a Python
    buffer where the selector cannot see it.
    """
    assert server.stdout is not None
    seen = b""
    with selectors.DefaultSelector() as selector:
        selector.register(server.stdout, selectors.EVENT_READ)
        while (left := deadline - time.monotonic()) > 0:
            if not selector.select(left):
                break
            chunk = os.read(server.stdout.fileno(), 4096)
            if not chunk:
                return False
            seen += chunk
            if b"Server listening" in seen:
                return True
    raise BenchmarkError(f"iperf3's server did not start listening within {SERVER_START_TIMEOUT:g} s")


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.kill()
    server.wait(SERVER_START_TIMEOUT)
    if server.stdout is not None:
        server.stdout.close()


def run_iperf3(nbytes: int) -> float:
    """One iperf3 run of ``nbytes`` over loopback; the receiver's Gbit/s. The server never outlives it."""
    for _ in range(SERVER_ATTEMPTS):
        port = free_port()
        server = subprocess.Popen(
            ["iperf3", "-s", "-1", "-B", "127.0.0.1", "-p", str(port), "--forceflush"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            if not _wait_for_listening(server, time.monotonic() + SERVER_START_TIMEOUT):
                continue  # it could not bind: try another port
            client = subprocess.run(
                ["iperf3", "-c", "127.0.0.1", "-p", str(port), "-n", str(nbytes), "-l", str(BUFFER), "-J"],
                stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=RUN_TIMEOUT)
            try:
                report = json.loads(client.stdout)
            except json.JSONDecodeError:
                raise BenchmarkError(f"iperf3's client wrote no JSON: {client.stderr.strip()[:200]}") from None
            if "error" in report:
                raise BenchmarkError(f"iperf3 failed: {report['error']}")
            return report["end"]["sum_received"]["bits_per_second"] / 1e9
        finally:
            _stop(server)
    raise BenchmarkError(f"iperf3's server could not bind a free port in {SERVER_ATTEMPTS} attempts")


def run_kit(nbytes: int) -> float:
    """One run of the kit's transfer of ``nbytes``; Gbit/s from the first sendall to the receiver's report."""
    result = transfer("sendall", BUFFER, max_bytes=nbytes, max_seconds=RUN_TIMEOUT, receiver=RECEIVER)
    if result.received != nbytes:
        raise BenchmarkError(f"the kit's transfer ended after {result.received} of {nbytes} bytes")
    return result.gbit_per_second


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Loopback throughput: the kit against iperf3.")
    parser.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS,
                        help=f"rounds, each one run of each side (default {DEFAULT_ROUNDS})")
    parser.add_argument("--bytes", type=int, default=DEFAULT_BYTES, dest="nbytes",
                        help=f"bytes per run (default {DEFAULT_BYTES})")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if args.nbytes < BUFFER:
        parser.error(f"--bytes must be at least one buffer ({BUFFER})")
    if shutil.which("iperf3") is None:
        print("iperf3 is not installed: sudo apt-get install iperf3 (Debian's package)", file=sys.stderr)
        return 2

    sides = {"kit": run_kit, "iperf3": run_iperf3}
    runs: dict[str, list[float]] = {name: [] for name in sides}
    print(f"{args.rounds} rounds on loopback, {args.nbytes} bytes per run, buffers of {BUFFER} bytes,"
          f" one stream each; the kit's receiver: a {RECEIVER}")
    print(f"{'round':<8}{'kit (Gbit/s)':>16}{'iperf3 (Gbit/s)':>18}")
    try:
        for number in range(args.rounds):
            order = ["kit", "iperf3"] if number % 2 == 0 else ["iperf3", "kit"]
            for name in order:
                runs[name].append(sides[name](args.nbytes))
            print(f"{number + 1:<8}{runs['kit'][-1]:>16.2f}{runs['iperf3'][-1]:>18.2f}", flush=True)
    except (BenchmarkError, OSError, subprocess.SubprocessError) as error:
        print(f"throughput benchmark failed: {error}", file=sys.stderr)
        return 3
    print(f"{'median':<8}{statistics.median(runs['kit']):>16.2f}{statistics.median(runs['iperf3']):>18.2f}")
    kit, iperf3 = max(runs["kit"]), max(runs["iperf3"])
    ratio = kit / iperf3
    met = ratio >= TARGET_RATIO
    print(f"{'best':<8}{kit:>16.2f}{iperf3:>18.2f}")
    print(f"target (the kit's best at least {TARGET_RATIO} of iperf3's best): {'met' if met else 'MISSED'}")
    print(f"throughput: kit {kit:.2f} Gbit/s, iperf3 {iperf3:.2f} Gbit/s (ratio {ratio:.2f})")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())

"""Run the notebooks under nbval K times, optionally on a loaded CPU, and print every failure.

Why: a notebook that passes once can still fail one run in twenty, when a
background thread, a timeout or the scheduler's order decides the output.
Such a flake wastes an instructor's afternoon in CI, so the kit's target is
none at all: 0 failures in 10 runs, and 0 in 5 runs with two busy processes
loading the CPU (a shared CI box, a student's laptop compiling something).
This script makes those runs and names each failing test of each run, so a
flake is found and then fixed at its cause.

Each run is one ``python -m pytest`` process with the project's own
configuration, as README's test command runs it (``--all`` runs all of it,
the unit tests included, instead of the notebooks alone). With ``--load``, that many
processes spin on the CPU for the whole time and are killed afterwards, on
every path (a spinner whose benchmark was killed outright stops by itself). Its last line is

    repeat: K runs, F failures (load: N busy processes)

The exit status is 1 if any run failed (or, 2, could not run).

    python benchmarks/nbval_repeat.py [--runs K] [--load N] [--all] [NOTEBOOK ...]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Iterator

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run as a script, or loaded by a test
from nbval_time import MESSAGE_CHARS, ROOT, failures, run_pytest  # noqa: E402  (shared by both benchmarks)

#: Seconds one run may take before it counts as hung: the whole suite takes a
#: few minutes here, under load too; this is several times that.
RUN_TIMEOUT = 1800

#: A busy process: pure Python looping, so it holds one CPU fully. It stops by itself
#: when the process that started it is gone (its parent's pid is its argument), so
#: no spinner outlives a benchmark that was killed (SIGKILL runs no ``finally``).
SPIN = ("import os, sys\n"
        "parent = int(sys.argv[1])\n"
        "while os.getppid() == parent:\n"
        "    for _ in range(100_000):\n"
        "        pass\n")


@contextlib.contextmanager
def busy_processes(count: int) -> Iterator[list[subprocess.Popen]]:
    """``count`` processes spinning on the CPU while the block runs; killed however it ends."""
    spinners: list[subprocess.Popen] = []
    try:
        for _ in range(count):
            spinners.append(subprocess.Popen([sys.executable, "-c", SPIN, str(os.getpid())], stdin=subprocess.DEVNULL,
                                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        yield spinners
    finally:
        for spinner in spinners:
            spinner.kill()
        for spinner in spinners:
            spinner.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run nbval K times and print each run's failures.")
    parser.add_argument("--runs", type=int, default=10, help="how many runs (default 10)")
    parser.add_argument("--load", type=int, default=0, metavar="N",
                        help="keep N processes spinning on the CPU meanwhile (the target's load: 2)")
    parser.add_argument("--all", action="store_true",
                        help="run README's whole test command (unit tests too), not the notebooks alone")
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to run (default: every notebook)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.load < 0:
        parser.error("--load must be 0 or more")
    if args.all and args.notebooks:
        parser.error("--all runs everything: give no notebooks with it")
    missing = [str(p) for p in args.notebooks if not p.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")
    targets = [] if args.all else [p.resolve() for p in args.notebooks] or [ROOT / "notebooks"]

    total = 0
    logs: Path | None = None  # made at the first failure, and kept: the full output of failing runs
    print(f"{'README test command' if args.all else ', '.join(p.name for p in targets)}: {args.runs} run(s), "
          f"{args.load} busy process(es)", flush=True)
    with busy_processes(args.load), tempfile.TemporaryDirectory(prefix="nbval-repeat-") as scratch:
        for number in range(1, args.runs + 1):
            report = Path(scratch) / f"run-{number}.xml"
            seconds, output, status = run_pytest(targets, report, timeout=RUN_TIMEOUT)
            found = failures(report) if report.is_file() else []
            if status != 0 and not found:  # pytest itself failed (a collection error, a usage error)
                found = [("pytest", f"exit status {status}: " + " ".join(output.split())[-MESSAGE_CHARS:])]
            total += len(found)
            print(f"run {number}: {len(found)} failure(s), {seconds:.1f} s", flush=True)
            for name, message in found:
                print(f"  FAILED {name}: {message}", flush=True)
            if found:
                logs = logs or Path(tempfile.mkdtemp(prefix="nbval-repeat-logs-"))
                log = logs / f"run-{number}.txt"
                log.write_text(output)
                print(f"  full output: {log}", flush=True)
    print(f"repeat: {args.runs} runs, {total} failures (load: {args.load} busy processes)")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())

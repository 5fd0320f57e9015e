"""Measure what can be measured honestly about each notebook's length, and save it for the guide.

Why: the instructor guide's time table must come from a run, not from a
guess. Three things are measured here, the same way every time:

* **execution time**: each notebook is run top to bottom, ``RUNS`` times, each time in a fresh kernel
  with nbclient (the way ``tools/refresh_notebooks.py`` and nbval run it),
  in the notebook's own folder, without saving anything. ``wall_s`` is the
  whole run, kernel start-up included; ``cells_s`` is the sum of the
  kernel's own per-cell times (``shell.execute_reply`` less
  ``iopub.execute_input``, which nbclient records). Worked solutions run
  too, as they do in the committed (instructor) edition;
* **size**: words of markdown (prose a student reads) and lines of code
  (what a student reads and runs), counted from the sources;
* **exercises**: from ``tools/nbgrader_cells.py``'s table, with their points
  (0 means optional).

It says nothing about how long a student thinks: reading time in the guide
is words divided by a stated reading speed, an assumption, not a measurement.

    python instructors/measure_times.py             # run every notebook twice, write instructors/timings.json
    python instructors/measure_times.py --runs 3    # three runs each (the table shows the fastest and slowest)
    python instructors/measure_times.py --no-run    # sizes and exercises only (keeps the saved run times)
    python instructors/measure_times.py --table     # print the guide's time table from timings.json

The table adds a *planning* time: reading at ``WORDS_PER_MINUTE``, code at
``CODE_LINES_PER_MINUTE``, ``MINUTES_PER_EXERCISE`` for each graded exercise
(``LAB_MINUTES`` for the lab), rounded up to half an hour. Those four numbers
are assumptions, stated in the guide; only the columns read from the run and
the sources are measurements.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
OUT = Path(__file__).resolve().parent / "timings.json"
sys.path.insert(0, str(ROOT / "tools"))
from nbgrader_cells import EXERCISES  # noqa: E402  (a tool, not a package)

#: Planning assumptions (not measurements): a careful reading speed for technical prose, a pace for
#: reading and running code cells, time per graded exercise, and the lab as a project of several exercises.
WORDS_PER_MINUTE = 150
CODE_LINES_PER_MINUTE = 10
MINUTES_PER_EXERCISE = 20
LAB_MINUTES = 240
#: Runs per notebook by default: one run on a shared machine can be twice as slow as the next, so the
#: table shows the fastest and the slowest of these.
RUNS = 2
#: Planning times are rounded up to this many minutes, so schedules add up in half hours.
ROUND_TO_MINUTES = 30

#: A notebook that runs longer than this is stuck, not slow: the slowest took about a minute here.
TIMEOUT_S = 600


def sizes(nb: nbformat.NotebookNode) -> dict:
    """Words of markdown and lines of code, from the sources (outputs are not read)."""
    words = sum(len(c.source.split()) for c in nb.cells if c.cell_type == "markdown")
    code = [c for c in nb.cells if c.cell_type == "code"]
    lines = sum(len([l for l in c.source.splitlines() if l.strip()]) for c in code)
    return {"markdown_words": words, "code_lines": lines, "code_cells": len(code)}


def _cell_seconds(cell: nbformat.NotebookNode) -> float:
    timing = cell.get("metadata", {}).get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not (start and end):
        return 0.0
    parse = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))  # noqa: E731
    return (parse(end) - parse(start)).total_seconds()


def run(path: Path) -> dict:
    """Execute one notebook in a fresh kernel; return its wall time and the sum of its cells' times."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=TIMEOUT_S, kernel_name="python3", allow_errors=False,
                            record_timing=True, resources={"metadata": {"path": str(path.parent)}})
    started = time.perf_counter()
    client.execute()
    wall = time.perf_counter() - started
    return {"wall_s": round(wall, 1), "cells_s": round(sum(_cell_seconds(c) for c in nb.cells), 1)}


def planning(entry: dict) -> dict:
    """Reading and planning minutes for one notebook, from its sizes and the stated assumptions."""
    reading = round(entry["markdown_words"] / WORDS_PER_MINUTE)
    code = round(entry["code_lines"] / CODE_LINES_PER_MINUTE)
    graded = [e for e in entry["exercises"] if e["points"] > 0]
    exercises = sum(LAB_MINUTES if e["points"] > 1 else MINUTES_PER_EXERCISE for e in graded)
    total = reading + code + exercises
    hours = -(-total // ROUND_TO_MINUTES) * ROUND_TO_MINUTES / 60
    return {"reading_min": reading, "code_min": code, "exercise_min": exercises, "planned_h": hours}


def _spread(runs: list[float] | None) -> str:
    """The fastest and the slowest of several runs, as ``min-max`` (one value if they agree)."""
    if not runs:
        return "-"
    low, high = min(runs), max(runs)
    return f"{low}" if low == high else f"{low}-{high}"


def table(data: dict) -> str:
    """The guide's time table, one row per notebook: measured columns first, then the planning ones."""
    rows = ["| notebook | run, s (wall) | run, s (cells) | words | code lines | exercises (graded + optional) "
            "| reading, min | code, min | exercises, min | planned, h |",
            "|---|---:|---:|---:|---:|---|---:|---:|---:|---:|"]
    for name, entry in data["notebooks"].items():
        plan = planning(entry)
        graded = sum(1 for e in entry["exercises"] if e["points"] > 0)
        optional = len(entry["exercises"]) - graded
        rows.append(f"| {name[:2]} | {_spread(entry.get('wall_s'))} | {_spread(entry.get('cells_s'))} "
                    f"| {entry['markdown_words']} | {entry['code_lines']} | {graded} + {optional} "
                    f"| {plan['reading_min']} | {plan['code_min']} | {plan['exercise_min']} | {plan['planned_h']:.1f} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-run", action="store_true", help="count sizes and exercises only")
    parser.add_argument("--runs", type=int, default=RUNS, help=f"runs per notebook (default {RUNS})")
    parser.add_argument("--table", action="store_true", help="print the guide's time table and exit")
    args = parser.parse_args(argv)
    if args.table:
        print(table(json.loads(OUT.read_text())))
        return 0
    old = json.loads(OUT.read_text()) if OUT.exists() else {}
    result = {"notebooks": {}, "machine": old.get("machine", {})}
    if not args.no_run:
        result["machine"] = {"when_utc": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M"),
                             "system": platform.system(), "release": platform.release(),
                             "python": platform.python_version(), "cores": os.cpu_count(),
                             "load_average_at_start": [round(x, 1) for x in os.getloadavg()],
                             "user_is_root": hasattr(os, "geteuid") and os.geteuid() == 0}
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        entry = sizes(nb)
        entry["exercises"] = [{"name": e.name, "points": e.points} for e in EXERCISES.get(path.name, ())]
        if args.no_run:
            entry.update({k: v for k, v in old.get("notebooks", {}).get(path.name, {}).items()
                          if k in ("wall_s", "cells_s")})
        else:
            runs = [run(path) for _ in range(args.runs)]
            entry["wall_s"] = [r["wall_s"] for r in runs]
            entry["cells_s"] = [r["cells_s"] for r in runs]
            print(f"{path.name}: {entry['wall_s']} s", flush=True)
        result["notebooks"][path.name] = entry
    if not args.no_run:
        result["machine"]["load_average_at_end"] = [round(x, 1) for x in os.getloadavg()]
    OUT.write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

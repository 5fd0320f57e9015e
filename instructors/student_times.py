"""How long students took over each notebook, read from the cell timings JupyterLab saved in their notebooks.

Why: the guide's planning times rest on stated assumptions (a reading speed,
minutes per exercise). What counts is students working through the
notebooks, and their saved notebooks can say how long that took. JupyterLab
records, in each code cell's metadata, when that cell last ran, if the setting
"Recording timing" (``recordTiming``, Settings › Notebook) is on;
``binder/overrides.json`` turns it on for Binder and for any JupyterHub image
built from ``binder/``. A notebook a student saved is then a timeline of the
last run of every code cell.

From such notebooks (nbgrader's ``submitted/`` folder, or any folder of
collected notebooks, searched for the kit's notebook names) this prints, per
notebook, how many had timings and the median working time with the fastest
and the slowest, and per exercise the median time from reaching it to the last
run of its self-check.

* **Working time** is the sum of the gaps between consecutive cell runs, where
  a gap longer than ``--idle`` minutes (a break, a lesson, the night) adds
  nothing.
* **Reaching an exercise** is the last run of the code cell before its stub;
  its time ends with the last run of its self-check.
* Only a cell's *last* run is recorded, so a notebook run again from the top at
  the end ("Run All" before handing in) has no timeline left: its cells ran
  within ``RERUN_SECONDS``. Such a notebook is counted as *re-run* and left out
  of the times, and so is one without timings.

    python instructors/student_times.py ~/course/submitted            # a table in Markdown
    python instructors/student_times.py ~/course/submitted --idle 10  # a shorter break

Put the medians beside the guide's planning column once a few students' notebooks are in.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from nbgrader_cells import EXERCISES, Exercise  # noqa: E402  (a tool, not a package)

#: A gap between two cell runs longer than this (minutes) is a break, not work.
IDLE_MINUTES = 15.0

#: A notebook whose cells all last ran within this many seconds was run again from the top.
RERUN_SECONDS = 120.0

#: The metadata key JupyterLab writes when a cell starts running (with ``recordTiming`` on).
STARTED = "iopub.execute_input"


class TimesError(Exception):
    """A user's mistake (no such folder, a bad number): one line, no traceback."""


@dataclass
class Timeline:
    """One student's notebook: when each code cell, by id, last started running (seconds since the epoch)."""

    path: Path
    started: dict[str, float] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)   # every code cell's id, in notebook order

    @property
    def rerun(self) -> bool:
        times = list(self.started.values())
        return len(times) > 1 and max(times) - min(times) < RERUN_SECONDS

    def working_seconds(self, start: float | None = None, end: float | None = None, idle: float = IDLE_MINUTES) -> float:
        """Work between ``start`` and ``end`` (default: all of it), not counting gaps over ``idle`` minutes."""
        times = sorted(t for t in self.started.values()
                       if (start is None or t >= start) and (end is None or t <= end))
        return sum(gap for gap in (b - a for a, b in zip(times, times[1:])) if gap <= idle * 60)

    def exercise_seconds(self, exercise: Exercise, idle: float = IDLE_MINUTES) -> float | None:
        """From reaching ``exercise`` (the last run of the code cell before its stub) to its check's last run."""
        if exercise.stub not in self.order or exercise.check not in self.started:
            return None
        before = self.order[:self.order.index(exercise.stub)]
        reached = next((self.started[c] for c in reversed(before) if c in self.started), None)
        end = self.started[exercise.check]
        if reached is None or reached > end:
            return None
        return self.working_seconds(reached, end, idle)


def _seconds(stamp: object) -> float | None:
    """A timestamp JupyterLab wrote ("2026-11-29T05:50:01.123Z") as seconds, or None."""
    if not isinstance(stamp, str):
        return None
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def read_timeline(path: Path) -> Timeline:
    """The timeline saved in one notebook (empty if it has no timings)."""
    notebook = nbformat.read(path, as_version=4)
    timeline = Timeline(path)
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        cell_id = cell.get("id", "")
        timeline.order.append(cell_id)
        started = _seconds(cell.get("metadata", {}).get("execution", {}).get(STARTED))
        if started is not None:
            timeline.started[cell_id] = started
    return timeline


def collect(folders: list[Path]) -> dict[str, list[Timeline]]:
    """Every notebook named like one of the kit's under ``folders``, as timelines, by the kit's name."""
    found: dict[str, list[Timeline]] = {name: [] for name in EXERCISES}
    for folder in folders:
        if not folder.is_dir():
            raise TimesError(f"no such folder: {folder}")
        for name in EXERCISES:
            for path in sorted(folder.rglob(name)):
                if ".ipynb_checkpoints" not in path.parts:
                    found[name].append(read_timeline(path))
    return found


def _minutes(seconds: list[float]) -> str:
    if not seconds:
        return "-"
    low, high = min(seconds) / 60, max(seconds) / 60
    return f"{statistics.median(seconds) / 60:.0f} ({low:.0f}-{high:.0f})"


def table(found: dict[str, list[Timeline]], idle: float = IDLE_MINUTES) -> str:
    """The Markdown table: notebooks found, with timings, re-run; working minutes; each exercise's minutes."""
    rows = ["| notebook | found | timed | re-run | working, min: median (fastest-slowest) | exercises, min: median |",
            "|---|---:|---:|---:|---|---|"]
    for name, timelines in found.items():
        timed = [t for t in timelines if len(t.started) > 1 and not t.rerun]
        reruns = sum(t.rerun for t in timelines)
        work = [t.working_seconds(idle=idle) for t in timed]
        parts = []
        for exercise in EXERCISES[name]:
            spent = [s for t in timed if (s := t.exercise_seconds(exercise, idle)) is not None]
            parts.append(f"{exercise.name} {statistics.median(spent) / 60:.0f} ({len(spent)})" if spent
                         else f"{exercise.name} -")
        rows.append(f"| {name[:2]} | {len(timelines)} | {len(timed)} | {reruns} | {_minutes(work)} | "
                    f"{'; '.join(parts)} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Students' working time per notebook, from JupyterLab's "
                                                 "recorded cell timings.")
    parser.add_argument("folders", nargs="+", type=Path, help="folders of students' notebooks (searched below)")
    parser.add_argument("--idle", type=float, default=IDLE_MINUTES,
                        help=f"minutes after which a gap between two runs is a break (default {IDLE_MINUTES:g})")
    args = parser.parse_args(argv)
    try:
        if not args.idle > 0:
            raise TimesError(f"--idle must be a number of minutes above 0, not {args.idle:g}")
        found = collect(args.folders)
    except TimesError as error:
        print(f"student_times: {error}", file=sys.stderr)
        return 2
    if not any(found.values()):
        print("student_times: none of the kit's notebooks (00-start-here.ipynb, ...) is in "
              f"{', '.join(map(str, args.folders))}", file=sys.stderr)
        return 2
    print(table(found, args.idle))
    print(f"\nfound: notebooks of that name; timed: with recorded timings and not re-run at once; "
          f"a gap over {args.idle:g} min counts as a break. In brackets: fastest-slowest, or how many timed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

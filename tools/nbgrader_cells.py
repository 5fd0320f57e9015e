"""Give the course notebooks nbgrader's cell metadata, from one table: answers, graded self-checks, locked statements.

Why: nbgrader knows a cell's role only from ``metadata.nbgrader`` (schema 3,
the keys its "Create Assignment" toolbar writes). Without it,
``nbgrader generate_assignment`` refuses the ``### BEGIN SOLUTION`` markers
("Solution region detected in a non-solution cell") and has nothing to
grade. Each exercise here gets:

* its worked solution cells (the code cells tagged ``solution`` between the
  stub and the check): ``solution: true``, so nbgrader clears them from what
  students get (``tools/nbgrader_config.py`` then drops them, as the student
  edition does) and keeps them in its gradebook;
* its self-check cell: an autograded test cell, ``grade: true`` with its
  ``points``, locked, so a student cannot edit or delete it and autograde
  restores its source if they did. In grading mode the check raises when a
  case fails (``sockutil/checks/grading.py``), which is what nbgrader scores;
* its statement (the markdown that sets the task, and the code cells the check
  needs, such as the cell that imports the lab's limits): read-only cells,
  ``locked: true``, restored by autograde if changed.

The stub cells stay ordinary editable cells: the student writes there, as in
the student edition. Every other cell stays free to run, change and break.
Points: one per exercise, five for the lab (a project the size of several
exercises), none for the optional ones (06's ``read_frame``, and 10's C exercise,
beyond the course; their results show in the feedback and change no score).
Edit ``EXERCISES`` and run the tool again to change them.

    python tools/nbgrader_cells.py            # write the metadata into every notebook
    python tools/nbgrader_cells.py --check    # exit 1 if a notebook differs from the table
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
TAG = "solution"

#: nbgrader's cell-metadata schema (nbgrader/nbgraderformat/v3.json); 0.9.x reads and writes version 3.
SCHEMA_VERSION = 3


@dataclass(frozen=True)
class Exercise:
    """One exercise, by cell ids: ``name`` is the function the student writes and names the grade ids."""

    name: str
    statement: tuple[str, ...]  # read-only: the task's markdown, and code cells the check needs
    stub: str                   # where the student writes: stays an ordinary cell
    check: str                  # the self-check: an autograded test cell
    points: float = 1


#: Every exercise of every notebook. Solution cells are found between ``stub`` and ``check``.
EXERCISES: dict[str, tuple[Exercise, ...]] = {
    "00-start-here.ipynb": (
        Exercise("shout", ("c017",), "c018", "c021"),
    ),
    "01-message-passing.ipynb": (
        Exercise("messages", ("c028", "c030"), "c031", "c034"),
    ),
    "02-client-and-server.ipynb": (
        Exercise("ask", ("c035",), "c036", "c039"),
        Exercise("serve_n", ("c040",), "c041", "c044"),
    ),
    "03-layers.ipynb": (
        Exercise("parse_ipv4_header", ("g2-wscale-after",), "c040", "c043"),
    ),
    "04-addresses-and-ports.ipynb": (
        Exercise("bind_preferred", ("c030",), "c031", "c034"),
        Exercise("parse_endpoint", ("c056",), "c057", "c060"),
    ),
    "05-the-socket-api.ipynb": (
        Exercise("drain", ("c073",), "c074", "c077"),
        Exercise("serve_once", ("c078",), "c079", "c082"),
    ),
    "06-byte-streams.ipynb": (
        Exercise("read_lines", ("c068", "c069", "c070"), "c071", "c074"),
        Exercise("read_frame", ("c077",), "c078", "c081", points=0),  # optional
    ),
    "07-segments-and-reliability.ipynb": (
        Exercise("fill_send_buffer", ("c028",), "c029", "c032"),
        Exercise("reassemble", ("c056",), "c057", "c060"),
    ),
    "08-many-clients.ipynb": (
        Exercise("serve_upper", ("c030",), "c031", "c034"),
    ),
    "09-lab.ipynb": (
        Exercise("serve_kv", ("c002", "c003", "c004", "c013", "c017"), "c014", "c018", points=5),
    ),
    "10-c-and-python.ipynb": (
        # Beyond the course, and in C, which a grader's machine may have no compiler for: optional.
        Exercise("greet", ("c029",), "c030", "c034", points=0),
    ),
    "11-throughput.ipynb": (
        Exercise("fill_buffer", ("c024", "c026"), "c027", "c030"),
    ),
    "12-two-hosts.ipynb": (
        # Notebook 03's parse_ipv4_header, pasted in to parse real frames: graded in 03, so optional here
        # (and its grade ids differ from 03's: nbgrader's gradebook names grades per assignment).
        Exercise("pasted_parse_ipv4_header", ("t12-paste-md",), "t12-paste", "t12-check", points=0),
    ),
}


class TableError(ValueError):
    """The table and a notebook disagree (a cell id is missing, or cells are not where the table says)."""


def _meta(grade_id: str, *, grade: bool = False, solution: bool = False, locked: bool = False,
          points: float | None = None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked,
            "schema_version": SCHEMA_VERSION, "solution": solution, "task": False}
    if grade:
        meta["points"] = points
    return meta


def wanted_metadata(nb: nbformat.NotebookNode, exercises: tuple[Exercise, ...], name: str) -> dict[str, dict]:
    """The ``metadata.nbgrader`` each cell should carry, by cell id (cells not named carry none)."""
    index = {cell.get("id"): i for i, cell in enumerate(nb.cells)}
    wanted: dict[str, dict] = {}
    for exercise in exercises:
        for cell_id in (*exercise.statement, exercise.stub, exercise.check):
            if cell_id not in index:
                raise TableError(f"{name}: {exercise.name}: no cell with id {cell_id!r}")
        stub, check = index[exercise.stub], index[exercise.check]
        solutions = [nb.cells[i].id for i in range(stub + 1, check)
                     if nb.cells[i].cell_type == "code" and TAG in nb.cells[i].metadata.get("tags", [])]
        if not solutions:
            raise TableError(f"{name}: {exercise.name}: no code cell tagged {TAG!r} between stub and check")
        for number, cell_id in enumerate(exercise.statement, 1):
            suffix = f"_{number}" if len(exercise.statement) > 1 else ""
            wanted[cell_id] = _meta(f"{exercise.name}_statement{suffix}", locked=True)
        for number, cell_id in enumerate(solutions, 1):
            suffix = f"_{number}" if len(solutions) > 1 else ""
            wanted[cell_id] = _meta(f"{exercise.name}_solution{suffix}", solution=True)
        wanted[exercise.check] = _meta(f"{exercise.name}_check", grade=True, locked=True,
                                       points=exercise.points)
    return wanted


def apply(nb: nbformat.NotebookNode, exercises: tuple[Exercise, ...], name: str) -> list[str]:
    """Write the table's metadata into ``nb`` (and remove any other); return the ids of cells changed."""
    wanted = wanted_metadata(nb, exercises, name)
    changed = []
    for cell in nb.cells:
        want = wanted.get(cell.get("id"))
        if cell.metadata.get("nbgrader") == want:
            continue
        if want is None:
            del cell.metadata["nbgrader"]
        else:
            cell.metadata["nbgrader"] = want
        changed.append(cell.get("id"))
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a notebook differs")
    args = parser.parse_args(argv)
    differ = False
    for name, exercises in EXERCISES.items():
        path = NOTEBOOKS / name
        try:
            nb = nbformat.read(path, as_version=4)
            changed = apply(nb, exercises, name)
        except (OSError, ValueError) as error:
            print(f"nbgrader_cells: {error}", file=sys.stderr)
            return 1
        if not changed:
            continue
        differ = True
        if args.check:
            print(f"{name}: nbgrader metadata differs from the table in cells {', '.join(changed)}")
        else:
            nbformat.write(nb, path)
            print(f"{name}: nbgrader metadata written to cells {', '.join(changed)}")
    return 1 if args.check and differ else 0


if __name__ == "__main__":
    sys.exit(main())

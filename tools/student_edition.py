"""Write a student edition of the notebooks: solutions taken out, outputs cleared.

Why: the course notebooks carry a worked solution under every exercise. For
an assignment, an instructor wants the same notebooks without them, and
without anything that would give them away or point at a hole:

* a code cell tagged ``solution`` holds its solution between nbgrader's
  ``### BEGIN SOLUTION`` and ``### END SOLUTION`` markers; the marked part is
  removed, and a cell left with nothing else is removed whole;
* a markdown cell tagged ``solution`` introduces or explains a solution
  ("A solution, if you are stuck"); it is removed whole;
* every output is cleared, so nothing of a solution shows through a saved result.

Stubs and self-checks stay in place. A solution cell whose markers do not
match (a missing END, two BEGINs, CRLF line endings that hide a marker's
line end) stops the tool with a message naming the notebook and the cell,
and a non-zero exit status: a half-removed solution must never be handed out.

    python tools/student_edition.py student/          # every notebook
    python tools/student_edition.py out/ notebooks/06-byte-streams.ipynb
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
TAG = "solution"


class MarkerError(ValueError):
    """A solution cell's markers do not pair up; the message names the cell."""


def _cell_name(index: int, cell: nbformat.NotebookNode) -> str:
    first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
    label = f"cell {index + 1}" + (f" (id {cell['id']})" if cell.get("id") else "")
    return f"{label}, starting {first[:50]!r}"


def strip_solution(source: str, where: str) -> str:
    """The source with every marked region removed; raises MarkerError if the markers do not pair up."""
    if "\r" in source:
        raise MarkerError(f"{where}: has CR line endings; save it with LF (\\n) line endings")
    kept: list[str] = []
    inside = False
    for line in source.split("\n"):
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise MarkerError(f"{where}: {BEGIN} again before {END}")
            inside = True
        elif stripped == END:
            if not inside:
                raise MarkerError(f"{where}: {END} without a {BEGIN} before it")
            inside = False
        elif BEGIN in line or END in line:
            raise MarkerError(f"{where}: a solution marker must stand alone on its line: {line.strip()!r}")
        elif not inside:
            kept.append(line)
    if inside:
        raise MarkerError(f"{where}: {BEGIN} has no {END}")
    if len(kept) == len(source.split("\n")):
        raise MarkerError(f"{where}: tagged {TAG!r} but has no {BEGIN} marker")
    return "\n".join(kept).strip("\n")


def student_copy(nb: nbformat.NotebookNode, name: str = "notebook") -> nbformat.NotebookNode:
    """The notebook without its solutions and outputs (see the module's docstring)."""
    nb = nbformat.from_dict(nb)
    cells = []
    for index, cell in enumerate(nb.cells):
        is_solution = TAG in cell.metadata.get("tags", [])
        if cell.cell_type == "code":
            if is_solution:
                cell.source = strip_solution(cell.source, f"{name}, {_cell_name(index, cell)}")
                if not cell.source.strip():
                    continue
                cell.metadata.get("jupyter", {}).pop("source_hidden", None)
            cell.outputs = []
            cell.execution_count = None
        elif is_solution:
            continue  # a paragraph introducing or explaining a removed solution
        cells.append(cell)
    nb.cells = cells
    nb.metadata.pop("widgets", None)
    return nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("destination", type=Path, help="folder for the student edition")
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every course notebook")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    copies = []
    for path in paths:  # every notebook is checked before anything is written
        try:
            copies.append((path, student_copy(nbformat.read(path, as_version=4), path.name)))
        except MarkerError as error:
            print(f"student_edition: {error}", file=sys.stderr)
            return 1
        except (OSError, ValueError) as error:
            print(f"student_edition: cannot read {path}: {error}", file=sys.stderr)
            return 1
    args.destination.mkdir(parents=True, exist_ok=True)
    for path, nb in copies:
        nbformat.write(nb, args.destination / path.name)
        print(f"wrote {args.destination / path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

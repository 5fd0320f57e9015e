"""Write a student edition of the notebooks: solutions taken out, outputs cleared.

Why: the course notebooks carry a worked solution under every exercise, in
a cell tagged ``solution`` whose code sits between nbgrader's
``### BEGIN SOLUTION`` and ``### END SOLUTION`` markers. For an assignment,
an instructor wants the same notebooks without them. This script keeps every
cell (so explanations, stubs and self-checks stay in place), replaces what
lies between the markers with a line saying the solution was removed, and
clears all outputs, so nothing of a solution shows through a saved result.

    python tools/student_edition.py student/          # every notebook
    python tools/student_edition.py out/ notebooks/06-byte-streams.ipynb
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = re.compile(r"### BEGIN SOLUTION\n.*?### END SOLUTION\n?", re.S)
REMOVED = "# (solution removed in the student edition: write yours in the cell above)\n"


def student_copy(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook with every marked solution replaced and every output cleared."""
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if "solution" in cell.metadata.get("tags", []):
            if "### BEGIN SOLUTION" not in cell.source:
                raise ValueError(f"a solution cell has no BEGIN SOLUTION marker: {cell.source[:60]!r}")
            cell.source = SOLUTION.sub(REMOVED, cell.source).rstrip("\n")
            cell.metadata.get("jupyter", {}).pop("source_hidden", None)
        cell.outputs = []
        cell.execution_count = None
    nb.metadata.pop("widgets", None)
    return nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("destination", type=Path, help="folder for the student edition")
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every course notebook")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    args.destination.mkdir(parents=True, exist_ok=True)
    for path in paths:
        nb = student_copy(nbformat.read(path, as_version=4))
        nbformat.write(nb, args.destination / path.name)
        print(f"wrote {args.destination / path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

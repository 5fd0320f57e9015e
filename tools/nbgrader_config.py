"""nbgrader's configuration for a course taught with this kit: copy it into the course directory.

    mkdir -p course/source/sockets
    cp notebooks/[0-9]*.ipynb course/source/sockets/
    cp tools/nbgrader_config.py course/

nbgrader reads ``nbgrader_config.py`` from the directory it runs in, so run
its commands from ``course/`` (see the README's section for instructors).

Why each setting:

* **The release is the kit's student edition.** The notebooks carry a worked
  solution under every exercise: a markdown line tagged ``solution`` ("A
  solution, if you are stuck") and a hidden code cell, also tagged
  ``solution``, that is one ``### BEGIN SOLUTION`` ... ``### END SOLUTION``
  region. nbgrader would replace the region with ``raise
  NotImplementedError()`` and keep both cells: students would meet "A
  solution" above an error, and *Run All* would stop there. Here the region
  becomes nothing, and ``DropSolutionCells``, run last, removes every cell
  tagged ``solution`` that is left empty, and every markdown cell tagged
  ``solution``, exactly as ``tools/student_edition.py`` does. It runs after
  ``SaveCells``, so the gradebook still knows the solution cells. Students
  write in the stub cells above the checks, which stay ordinary cells.
* **Cells may take a while.** The lab's self-check meets a client that stays
  silent for the server's idle timeout, and each check has deadlines of its
  own, so no cell waits for ever; nbgrader's default of 30 s a cell is too
  short on a loaded machine, and a cell stopped at the limit would score 0.

The graded cells and points come from the notebooks' own nbgrader metadata
(``tools/nbgrader_cells.py``). A self-check raises ``AssertionError`` under
nbgrader because nbgrader sets ``NBGRADER_EXECUTION`` in the kernel's
environment (``sockutil/checks/grading.py``).
"""

from nbgrader.converters import GenerateAssignment
from nbgrader.preprocessors import NbGraderPreprocessor

#: The tag the kit gives a solution's cells (tools/student_edition.py uses the same).
SOLUTION_TAG = "solution"

#: Seconds one cell may run under autograde: the slowest check takes a few seconds, so far more than enough.
CELL_TIMEOUT = 300


class DropSolutionCells(NbGraderPreprocessor):
    """Remove what is left of the solutions: cells tagged ``solution`` that are now empty, and their paragraphs."""

    def preprocess(self, nb, resources):
        kept = []
        for cell in nb.cells:
            if SOLUTION_TAG in cell.metadata.get("tags", []):
                if cell.cell_type != "code" or not cell.source.strip():
                    continue
                cell.metadata.get("jupyter", {}).pop("source_hidden", None)  # code kept outside the markers
            kept.append(cell)
        nb.cells = kept
        return nb, resources


c = get_config()  # noqa: F821 - defined by traitlets while it loads this file

c.ClearSolutions.code_stub = {"python": ""}
c.GenerateAssignment.preprocessors = [
    *GenerateAssignment.class_traits()["preprocessors"].default(),
    DropSolutionCells,
]
c.Execute.timeout = CELL_TIMEOUT

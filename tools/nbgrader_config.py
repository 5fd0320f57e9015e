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
  becomes nothing, and ``DropSolutionCells``, run last, hands the notebook to
  ``tools/student_edition.py`` (found beside the installed ``sockutil``): every
  cell tagged ``solution`` that is left empty goes, and every markdown cell
  tagged ``solution``, a note pointing at the stub and the self-check takes
  their place, exactly as in the student edition. It runs after
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

#: Seconds one cell may run under autograde: the slowest check takes a few seconds, so far more than enough.
CELL_TIMEOUT = 300


def _student_edition():
    """The kit's ``tools/student_edition.py``, found beside the ``sockutil`` this environment imports.

    The README installs the kit from its clone in editable mode, so the tool is
    there; the release then gets exactly the student edition's cells.
    """
    import importlib.util
    from pathlib import Path

    import sockutil

    path = Path(sockutil.__file__).resolve().parent.parent / "tools" / "student_edition.py"
    if not path.is_file():
        raise RuntimeError(f"nbgrader_config.py needs the kit's tools/student_edition.py, not found at {path}: "
                           "run nbgrader in the environment installed from the kit's clone (README)")
    spec = importlib.util.spec_from_file_location("kit_student_edition", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class DropSolutionCells(NbGraderPreprocessor):
    """Finish the release as the student edition: drop what is left of the solutions, leave the notes.

    ``tools/student_edition.py`` does it, told that the solution regions are
    cleared already: empty solution cells and solution paragraphs go, a note
    pointing at the stub and the self-check takes their place, and sentences
    about the worked solution are reworded.
    """

    def preprocess(self, nb, resources):
        edition = _student_edition()
        name = f"{resources['unique_key']}.ipynb"
        return edition.student_copy(nb, name, solutions_cleared=True), resources


c = get_config()  # noqa: F821 - defined by traitlets while it loads this file

c.ClearSolutions.code_stub = {"python": ""}
c.GenerateAssignment.preprocessors = [
    *GenerateAssignment.class_traits()["preprocessors"].default(),
    DropSolutionCells,
]
c.Execute.timeout = CELL_TIMEOUT

"""nbgrader itself grades the course: its metadata, generate_assignment and autograde, on a scratch copy.

The course directory is nbgrader's own layout in ``tmp_path``
(``source/sockets/*.ipynb``, the kit's ``tools/nbgrader_config.py`` as
``nbgrader_config.py``, an sqlite gradebook beside them), driven through the
command line exactly as the README tells an instructor, each command bounded
by a timeout, with no network. No grading variable is set here: the checks
must find nbgrader's ``NBGRADER_EXECUTION`` on their own, or the student
edition would earn full marks.

Time: ``generate_assignment`` takes every notebook (a few seconds).
``autograde`` executes each notebook it grades in a fresh kernel, about 36 s
for all ten here, twice that for two students; so it grades a subset that
holds every kind of exercise (see ``AUTOGRADED``), while ``test_grading_mode``
runs every check of every notebook in grading mode directly.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tests.tool_loading import load_script

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
ASSIGNMENT = "sockets"

#: Autograded here: a client (00 shout, 02 ask), a server loop (02 serve_n),
#: a pure function (03), a generator and a reader over real sockets (06), the
#: optional exercise worth 0 points (06), a locked code cell the check needs
#: (06, 09), and the lab: a threaded server, 5 points, in four solution cells
#: (09). The other notebooks' checks are the same harness (test_grading_mode).
AUTOGRADED = ("00-start-here", "02-client-and-server", "03-layers", "06-byte-streams", "09-lab")

#: The one exercise solved in a submission: one of two exercises in its notebook.
SOLVED_NOTEBOOK, SOLVED = "02-client-and-server", "ask"

#: Seconds each command may take: far above what they need (generate ~12 s, autograde ~40 s) on a loaded machine.
GENERATE_TIMEOUT = 150
AUTOGRADE_TIMEOUT = 400

pytestmark = pytest.mark.timeout(GENERATE_TIMEOUT + AUTOGRADE_TIMEOUT + 60)


def load_tool(name: str):
    return load_script(ROOT / "tools" / f"{name}.py", name)


cells_tool = load_tool("nbgrader_cells")
student_edition = load_tool("student_edition")


# ------------------------------------------------- the metadata, without nbgrader
def test_the_notebooks_carry_the_tables_metadata():
    assert cells_tool.main(["--check"]) == 0, "run: python tools/nbgrader_cells.py"
    assert sorted(cells_tool.EXERCISES) == [path.name for path in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name[:2])
def test_every_solution_is_a_solution_cell_and_every_check_a_locked_test_cell(path):
    from nbgrader.nbgraderformat import MetadataValidator

    nb = nbformat.read(path, as_version=4)
    MetadataValidator().validate_nb(nb)  # nbgrader's schema, and grade ids unique
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if "### BEGIN SOLUTION" in cell.source:
            assert meta.get("solution") is True and "solution" in cell.metadata.get("tags", []), cell.id
        if meta.get("grade"):
            assert cell.cell_type == "code" and meta["locked"] and not meta["solution"], cell.id
            assert meta["points"] >= 0, cell.id
    checks = [c for c in nb.cells if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")]
    called = [c for c in nb.cells if c.cell_type == "code" and any(
        line.startswith("check_") for line in c.source.splitlines())]
    assert checks == called, "every cell that runs a self-check is a graded test cell, and only those"


# ------------------------------------------------------------- nbgrader, for real
def nbgrader(course: Path, *args: str, timeout: float) -> subprocess.CompletedProcess:
    """Run ``nbgrader ARGS`` in ``course`` as an instructor would, in this environment."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("SOCKUTIL_GRADING", "NBGRADER_EXECUTION", "NBGRADER_VALIDATING")}
    bin_dir = str(Path(sys.executable).parent)  # nbgrader runs `alembic` from PATH
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    env["JUPYTER_CONFIG_DIR"] = str(course.parent / "jupyter-config")  # no user-wide nbgrader config
    env["IPYTHONDIR"] = str(course.parent / "ipython")
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env,
                          capture_output=True, text=True, timeout=timeout)


def succeeded(run: subprocess.CompletedProcess) -> bool:
    if run.returncode != 0:
        print(run.stdout[-4000:], run.stderr[-8000:], sep="\n")
    return run.returncode == 0


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """A course directory whose assignment holds the ten notebooks, after ``nbgrader generate_assignment``."""
    course = tmp_path_factory.mktemp("nbgrader") / "course"
    source = course / "source" / ASSIGNMENT
    source.mkdir(parents=True)
    for path in NOTEBOOKS:
        shutil.copy(path, source)
    shutil.copy(ROOT / "tools" / "nbgrader_config.py", course / "nbgrader_config.py")
    generated = nbgrader(course, "generate_assignment", ASSIGNMENT, timeout=GENERATE_TIMEOUT)
    assert succeeded(generated), "nbgrader generate_assignment failed (its output is above)"
    return course


def submit(course: Path, student: str, notebooks: dict[str, nbformat.NotebookNode]) -> None:
    folder = course / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    for name, nb in notebooks.items():
        nbformat.write(nb, folder / f"{name}.ipynb")


def read(folder: Path, name: str) -> nbformat.NotebookNode:
    return nbformat.read(folder / f"{name}.ipynb", as_version=4)


def solve(released: nbformat.NotebookNode, source: nbformat.NotebookNode, name: str) -> None:
    """Write the worked solution of exercise ``name`` into its stub cell, as a student would."""
    exercise = next(e for e in cells_tool.EXERCISES[f"{SOLVED_NOTEBOOK}.ipynb"] if e.name == name)
    solution = "\n\n".join(
        "\n".join(line for line in cell.source.splitlines() if "SOLUTION" not in line)
        for cell in source.cells
        if cell.metadata.get("nbgrader", {}).get("grade_id", "").startswith(f"{name}_solution"))
    stub = next(cell for cell in released.cells if cell.id == exercise.stub)
    stub.source = solution


@pytest.fixture(scope="module")
def graded(course) -> dict[str, dict[str, tuple[float, float]]]:
    """``nbgrader autograde`` of three submissions; each student's scores, by grade id: (score, max)."""
    source, release = course / "source" / ASSIGNMENT, course / "release" / ASSIGNMENT
    submit(course, "instructor", {name: read(source, name) for name in AUTOGRADED})
    submit(course, "student", {name: read(release, name) for name in AUTOGRADED})
    one = read(release, SOLVED_NOTEBOOK)
    solve(one, read(source, SOLVED_NOTEBOOK), SOLVED)
    submit(course, "one-solved", {SOLVED_NOTEBOOK: one})  # the other notebooks: not submitted

    autograded = nbgrader(course, "autograde", ASSIGNMENT, timeout=AUTOGRADE_TIMEOUT)
    assert succeeded(autograded), "nbgrader autograde failed (its output is above)"

    from nbgrader.api import Gradebook

    scores: dict[str, dict[str, tuple[float, float]]] = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student in ("instructor", "student", "one-solved"):
            submission = gradebook.find_submission(ASSIGNMENT, student)
            scores[student] = {grade.name: (grade.score, grade.max_score)
                               for notebook in submission.notebooks for grade in notebook.grades}
    return scores


def graded_cells(course: Path, names) -> dict[str, float]:
    """Grade id → points of every test cell in the notebooks ``names``, read from the course's sources."""
    return {cell.metadata.nbgrader["grade_id"]: cell.metadata.nbgrader["points"]
            for name in names for cell in read(course / "source" / ASSIGNMENT, name).cells
            if cell.metadata.get("nbgrader", {}).get("grade")}


def test_generate_assignment_releases_the_student_edition_of_every_notebook(course):
    release = course / "release" / ASSIGNMENT
    assert sorted(p.name for p in release.glob("*.ipynb")) == [p.name for p in NOTEBOOKS]
    for path in NOTEBOOKS:
        released = nbformat.read(release / path.name, as_version=4)
        edition = student_edition.student_copy(nbformat.read(path, as_version=4), path.name)
        assert [(c.id, c.cell_type, c.source) for c in released.cells] == \
               [(c.id, c.cell_type, c.source) for c in edition.cells], path.name
        for cell in released.cells:
            if cell.metadata.get("nbgrader", {}).get("locked"):  # checks and statements: read-only
                assert cell.metadata["editable"] is False and cell.metadata["deletable"] is False


def test_autograde_gives_the_instructors_version_full_marks(course, graded):
    expected = graded_cells(course, AUTOGRADED)
    assert sum(expected.values()) > 0
    got = {grade_id: graded["instructor"][grade_id] for grade_id in expected}
    assert got == {grade_id: (points, points) for grade_id, points in expected.items()}


def test_autograde_gives_the_student_edition_zero_and_says_why(course, graded):
    expected = graded_cells(course, AUTOGRADED)
    assert {grade_id: graded["student"][grade_id] for grade_id in expected} == \
           {grade_id: (0, points) for grade_id, points in expected.items()}
    autograded = course / "autograded" / "student" / ASSIGNMENT
    for name in AUTOGRADED:  # each check failed in words: its function is not written yet
        for cell in read(autograded, name).cells:
            if cell.metadata.get("nbgrader", {}).get("grade"):
                errors = [o for o in cell.outputs if o.output_type == "error"]
                assert [o.ename for o in errors] == ["AssertionError"], (name, cell.id)
                assert "is not written yet: write" in errors[0].evalue


def test_a_submission_with_one_exercise_solved_gets_exactly_its_points(course, graded):
    points = graded_cells(course, [SOLVED_NOTEBOOK])[f"{SOLVED}_check"]
    scores = graded["one-solved"]
    assert scores[f"{SOLVED}_check"] == (points, points)
    others = [score for grade_id, (score, _) in scores.items() if grade_id != f"{SOLVED}_check"]
    assert len(others) == len(graded_cells(course, [p.stem for p in NOTEBOOKS])) - 1
    assert sum(others) == 0

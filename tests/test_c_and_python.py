"""Notebook 10, C and Python side by side: its C sources, its self-check's machinery, and the notebook without a compiler.

* The C the notebook writes and the C its check compiles must not drift apart:
  greet.h and the first greet.c are the check's own copies, and the worked
  solution is the gallery's ``right.py``.
* Every C source (the notebook's and the check's server) compiles without a
  warning with every compiler this machine has (cc, gcc, clang), with the
  notebook's flags.
* Without a compiler, the notebook runs to its end with no error, and each C
  cell prints one line saying it skipped, the same line on every run; the
  Python cells print what the saved notebook shows. This runs the notebook in a
  kernel whose PATH is empty.
* The check: without a compiler it says so (and fails in grading mode); a
  ``write_greet_c`` that raises or writes elsewhere is told so.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from sockutil import cprograms
from sockutil.checks import c_and_python
from sockutil.checks.c_and_python import DRIVER_C, GREET_H, ORIGINAL_GREET_C, check_greet

from tests.tool_loading import load_script

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "10-c-and-python.ipynb"
RIGHT = ROOT / "tests" / "wrong_solutions" / "greet" / "right.py"
FLAGS = ["-std=c11", "-Wall", "-Wextra"]


def cells() -> dict[str, nbformat.NotebookNode]:
    return {cell.id: cell for cell in nbformat.read(NOTEBOOK, as_version=4).cells}


def strings_assigned(source: str) -> dict[str, str]:
    """NAME = "..." at the top of a cell: the C sources the notebook writes."""
    found = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            found[node.targets[0].id] = node.value.value
    return found


def written_by(source: str) -> str:
    """The C text a ``write_greet_c`` cell (or gallery file) writes: the string passed to write_text."""
    source = "\n".join(line for line in source.splitlines() if "SOLUTION" not in line)
    calls = [node for node in ast.walk(ast.parse(source))
             if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "write_text"]
    assert len(calls) == 1
    return calls[0].args[0].value


def notebook_sources() -> dict[str, str]:
    """File name -> C source, as the notebook writes them."""
    found = {}
    for cell in cells().values():
        if cell.cell_type == "code":
            for name, text in strings_assigned(cell.source).items():
                if name.endswith(("_C", "_H")):
                    found[name.lower().replace("_c", ".c").replace("_h", ".h")] = text
    return found


def compilers() -> list[str]:
    if os.name == "nt":
        pytest.skip("the kit's C programs are POSIX C (Winsock differs): not on Windows")
    found = [name for name in ("cc", "gcc", "clang") if shutil.which(name)]
    if not found:
        if os.environ.get("CI") == "true":
            pytest.fail("no C compiler on PATH (CI installs gcc)")
        pytest.skip("no C compiler (cc, gcc or clang) on PATH")
    return found


# ------------------------------------------------------------------ one source of truth
def test_the_notebook_writes_the_check_s_greet_h_and_first_greet_c():
    sources = notebook_sources()
    assert set(sources) == {"client.c", "server.c", "greet.h", "greet.c"}
    assert sources["greet.h"] == GREET_H
    assert sources["greet.c"] == ORIGINAL_GREET_C


def test_the_exercise_starts_from_the_first_greet_c_and_its_solution_is_the_gallery_s():
    by_id = cells()
    assert written_by(by_id["c030"].source) == ORIGINAL_GREET_C
    assert written_by(by_id["c032"].source) == written_by(RIGHT.read_text())


# ------------------------------------------------------------------ every source compiles cleanly
@pytest.mark.parametrize("program,files", [
    ("client", ["client.c"]),
    ("server", ["server.c", "greet.c"]),
    ("solved_server", ["server.c", "solved_greet.c"]),
    ("driver", ["driver.c", "greet.c"]),
])
def test_every_c_source_compiles_without_a_warning_with_every_compiler_here(tmp_path, program, files):
    sources = {**notebook_sources(), "driver.c": DRIVER_C,
               "solved_greet.c": written_by(RIGHT.read_text())}
    for name, text in sources.items():
        (tmp_path / name).write_text(text)
    for compiler in compilers():
        built = cprograms.compile_c([compiler, *FLAGS, "-o", program, *files], cwd=tmp_path)
        assert built.ok and not built.diagnostics, f"{compiler}: {built.explain()}"


# ------------------------------------------------------------------ the check's own paths
def test_without_a_compiler_the_check_says_so_in_one_line(monkeypatch, capsys):
    monkeypatch.setattr(c_and_python, "find_compiler", lambda: None)
    report = check_greet(lambda path: path.write_text("int x;\n"))
    assert capsys.readouterr().out == f"{cprograms.SKIPPED}: this check compiles your greet.c, so it cannot run here\n"
    assert report.results == [] and not report.passed


def test_without_a_compiler_grading_fails_the_cell(monkeypatch):
    monkeypatch.setattr(c_and_python, "find_compiler", lambda: None)
    monkeypatch.setenv("SOCKUTIL_GRADING", "1")
    with pytest.raises(AssertionError, match="no C compiler here"):
        check_greet(lambda path: path.write_text("int x;\n"))


def test_a_write_greet_c_that_raises_is_told_in_words(capsys):
    compilers()

    def write_greet_c(path):
        raise OSError("disk full")

    report = check_greet(write_greet_c)
    out = capsys.readouterr().out
    assert not report.passed and "write_greet_c(path) raised OSError" in out and "path.write_text" in out


def test_a_write_greet_c_that_writes_elsewhere_is_told_where(tmp_path, capsys):
    compilers()
    report = check_greet(lambda path: (tmp_path / "greet.c").write_text("int x;\n"))
    out = capsys.readouterr().out
    assert not report.passed and "wrote no file at path" in out and "not at a path of your own" in out


def test_a_greet_c_that_only_moves_white_space_is_still_unwritten(capsys):
    compilers()
    reindented = ORIGINAL_GREET_C.replace("    ", "  ").replace("\n\n", "\n")
    report = check_greet(lambda path: path.write_text(reindented))
    assert report.stopped and capsys.readouterr().out.startswith("✘ write greet() first")


# ------------------------------------------------------------------ the notebook without a compiler
@pytest.fixture(scope="module")
def run_without_compiler(tmp_path_factory):
    """Notebook 10 executed in a kernel whose PATH is empty and CC unset: no compiler to find.

    (Windows finds no compiler for these programs anyway, and CI executes the
    notebook there as it is; an empty PATH is a POSIX experiment.)
    """
    if os.name == "nt":
        pytest.skip("on Windows the notebook's C cells skip anyway (.ci/execute_notebooks.py runs it)")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    saved = {cell.id: cell.get("outputs", []) for cell in nb.cells}
    environ = {key: value for key, value in os.environ.items() if key != "CC"}
    environ["PATH"] = str(tmp_path_factory.mktemp("empty-path"))
    client = NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute(env=environ)  # the kernel's environment
    return nb, saved


def text_of(cell) -> str:
    return "".join(output.get("text", "") for output in cell.outputs if output.output_type == "stream")


def test_without_a_compiler_no_cell_fails_and_nothing_goes_to_stderr(run_without_compiler):
    nb, _ = run_without_compiler
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            assert output.output_type != "error", f"{cell.id}: {output.get('ename')}: {output.get('evalue')}"
            assert output.get("name") != "stderr", f"{cell.id}: {output.get('text')}"


def test_without_a_compiler_each_c_cell_says_it_skipped_and_the_python_cells_print_as_saved(run_without_compiler):
    nb, saved = run_without_compiler
    by_id = {cell.id: cell for cell in nb.cells}
    assert text_of(by_id["c003"]) == cprograms.compiler_status(None) + "\n"
    skipping = [cell for cell in nb.cells if cell.cell_type == "code" and "cprograms.SKIPPED" in cell.source]
    assert len(skipping) >= 6
    for cell in skipping:
        assert text_of(cell).splitlines()[0] == cprograms.SKIPPED, cell.id
    assert text_of(by_id["c034"]) == f"{cprograms.SKIPPED}: this check compiles your greet.c, so it cannot run here\n"
    # c022 skips its C half and still shows Python's refusal
    assert text_of(by_id["c022"]).splitlines()[1].startswith("Python: ConnectionRefusedError(")
    for cell_id in ("c005", "c017", "c020", "c024", "c036"):  # Python only: as saved
        assert text_of(by_id[cell_id]) == "".join(o.get("text", "") for o in saved[cell_id]), cell_id


# ------------------------------------------------------------------ Binder has a compiler
def test_binder_s_base_image_brings_a_c_compiler():
    """repo2docker builds FROM buildpack-deps:TAG, the full variant, which installs gcc and libc6-dev.

    (Its -curl and -scm variants do not; buildpack-deps' Dockerfile for the
    full one lists gcc and libc6-dev.) So binder/ needs no apt.txt for
    notebook 10; should the base image change, this test says so. Like
    tests/test_binder.py, it needs the repo2docker command.
    """
    repo2docker = os.environ.get("REPO2DOCKER") or shutil.which("repo2docker")
    if not repo2docker:
        pytest.skip("repo2docker is not installed here; .ci/binder.py installs it")
    plan = load_script(ROOT / ".ci" / "repo2docker_plan.py", "ci_repo2docker_plan_c", search=ROOT / ".ci")
    dockerfile = plan.repo2docker_dockerfile(repo2docker)
    base = re.search(r"^FROM\s+(\S+)", dockerfile, re.M).group(1)
    assert re.fullmatch(r"(docker\.io/library/)?buildpack-deps:[\w.]+", base), base

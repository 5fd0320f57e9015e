"""tools/student_edition.py: no solution, no hint of one, no output; broken markers stop it loudly."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))

spec = importlib.util.spec_from_file_location("student_edition", ROOT / "tools" / "student_edition.py")
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)


def test_the_student_edition_of_every_notebook(tmp_path):
    assert tool.main([str(tmp_path)]) == 0
    written = sorted(tmp_path.glob("*.ipynb"))
    assert [p.name for p in written] == [p.name for p in NOTEBOOKS]
    for original, copy in zip(NOTEBOOKS, written):
        source_nb = nbformat.read(original, as_version=4)
        student_nb = nbformat.read(copy, as_version=4)
        nbformat.validate(student_nb)
        kept = [c for c in source_nb.cells if "solution" not in c.metadata.get("tags", [])]
        assert [c.source for c in student_nb.cells] == [c.source for c in kept], original.name
        text = "\n".join(c.source for c in student_nb.cells)
        assert "SOLUTION" not in text
        assert "A solution" not in text and "worked solution, if you are stuck" not in text
        for cell in student_nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None
        assert "widgets" not in student_nb.metadata


def test_code_outside_the_markers_stays():
    source = "import socket\n### BEGIN SOLUTION\nanswer = 42\n### END SOLUTION\nprint('after')"
    assert tool.strip_solution(source, "here") == "import socket\nprint('after')"


def notebook_with(source: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Title"),
                nbformat.v4.new_code_cell(source, metadata={"tags": ["solution"]})]
    return nb


@pytest.mark.parametrize("source,words", [
    ("### BEGIN SOLUTION\nx = 1\n", "has no ### END SOLUTION"),
    ("### BEGIN SOLUTION\r\nx = 1\r\n### END SOLUTION\r\n", "CR line endings"),
    ("x = 1\n### END SOLUTION\n", "without a ### BEGIN SOLUTION"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n", "again before"),
    ("x = 1  ### BEGIN SOLUTION\n", "stand alone on its line"),
    ("x = 1\n", "has no ### BEGIN SOLUTION marker"),
])
def test_broken_markers_stop_the_tool_and_name_the_cell(tmp_path, capsys, source, words):
    path = tmp_path / "05-broken.ipynb"
    nbformat.write(notebook_with(source), path)
    out_dir = tmp_path / "out"
    assert tool.main([str(out_dir), str(path)]) == 1
    err = capsys.readouterr().err
    assert words in err and "05-broken.ipynb, cell 2" in err
    assert not out_dir.exists(), "nothing is written when a notebook is broken"

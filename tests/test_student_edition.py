"""tools/student_edition.py: no solution, no hint of one, no output; broken markers stop it loudly."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from tests.tool_loading import load_tool

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))


tool = load_tool("student_edition")
table = load_tool("nbgrader_cells")


def is_note(cell) -> bool:
    return tool.NOTE_TAG in cell.metadata.get("tags", [])


def test_the_student_edition_of_every_notebook(tmp_path):
    assert tool.main([str(tmp_path)]) == 0
    written = sorted(tmp_path.glob("*.ipynb"))
    assert [p.name for p in written] == [p.name for p in NOTEBOOKS]
    for original, copy in zip(NOTEBOOKS, written):
        source_nb = nbformat.read(original, as_version=4)
        student_nb = nbformat.read(copy, as_version=4)
        nbformat.validate(student_nb)
        kept = [c for c in source_nb.cells if "solution" not in c.metadata.get("tags", [])]
        reworded = {cell_id for (name, cell_id) in tool.STUDENT_WORDING if name == original.name}
        assert [c.id for c in student_nb.cells if not is_note(c)] == [c.id for c in kept], original.name
        for cell, source_cell in zip([c for c in student_nb.cells if not is_note(c)], kept):
            assert (cell.source == source_cell.source) == (cell.id not in reworded), (original.name, cell.id)
        text = "\n".join(c.source for c in student_nb.cells)
        assert "SOLUTION" not in text
        assert not re.search(r"\bsolutions?\b", text, re.IGNORECASE), \
            "no cell of the student edition speaks of a solution it lacks"
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


@pytest.mark.parametrize("name", sorted(table.EXERCISES))
def test_the_note_stands_between_the_stub_and_its_check_and_names_them(name):
    student_nb = tool.student_copy(nbformat.read(ROOT / "notebooks" / name, as_version=4), name)
    ids = [cell.id for cell in student_nb.cells]
    notes = [i for i, cell in enumerate(student_nb.cells) if is_note(cell)]
    assert len(notes) == len(table.EXERCISES[name]), "one note per exercise"
    for exercise, at in zip(table.EXERCISES[name], notes):
        stub, check = student_nb.cells[ids.index(exercise.stub)], student_nb.cells[ids.index(exercise.check)]
        assert ids.index(exercise.stub) == at - 1, "the note follows the stub at once"
        assert at < ids.index(exercise.check)
        note = student_nb.cells[at].source
        function = tool._defined_names(stub.source)[0]
        assert f"`{function}`" in note and f"`def {function}(`" in note and "cell above" in note
        call = tool._check_call(check.source)
        assert call and f"`{call}`" in note
        between = [c for c in student_nb.cells[at + 1:ids.index(exercise.check)] if c.cell_type == "code"]
        assert ("right below" in note) == (not between), "'right below' only when the check is the next code cell"
        # The note speaks only of cells the student has: nothing of what was removed.
        removed = [c.source for c in nbformat.read(ROOT / "notebooks" / name, as_version=4).cells
                   if "solution" in c.metadata.get("tags", [])]
        for source in removed:
            for line in source.splitlines():
                words = line.strip()
                if len(words) > 12 and not words.startswith(("###", "def ")):
                    assert words not in note


def test_a_note_is_written_where_a_solution_was_removed_even_at_the_end():
    nb = notebook_with("### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n")
    nb.cells.insert(1, nbformat.v4.new_code_cell("def answer():\n    raise NotImplementedError"))
    copy = tool.student_copy(nb, "here")
    assert [c.cell_type for c in copy.cells] == ["markdown", "code", "markdown"]
    assert is_note(copy.cells[2]) and "`answer`" in copy.cells[2].source
    assert "then run the cells below." in copy.cells[2].source   # no self-check follows: none is named
    nbformat.validate(copy)


def test_a_stale_rewording_stops_the_tool(monkeypatch):
    monkeypatch.setitem(tool.STUDENT_WORDING, ("here", "c1"), [("words no longer there", "x")])
    nb = notebook_with("### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n")
    nb.cells[0]["id"] = "c1"
    with pytest.raises(tool.MarkerError, match="update the table"):
        tool.student_copy(nb, "here")
    monkeypatch.setitem(tool.STUDENT_WORDING, ("here", "gone"), [("a", "b")])
    with pytest.raises(tool.MarkerError, match="not in the notebook"):
        tool.student_copy(notebook_with("### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n"), "here")

""".ci/execute_notebooks.py: a notebook passes when only its cells tagged raises-exception raise."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

from tests.tool_loading import load_script

ROOT = Path(__file__).resolve().parent.parent


def load():
    return load_script(ROOT / ".ci" / "execute_notebooks.py", "ci_execute_notebooks")


executor = load()


def notebook(path: Path, cells: list[tuple[str, list[str]]]) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source, metadata={"tags": tags}) for source, tags in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def test_every_problem_is_reported_in_one_run(tmp_path, capsys):
    path = notebook(tmp_path / "mixed.ipynb", [
        ("print('fine')", []),
        ("1 / 0", ["raises-exception"]),
        ("import sys; sys.stderr.write('careful\\n')", []),
        ("x = 1", ["raises-exception"]),
        ("raise ValueError('not meant')", []),
        ("print('still runs after an error')", []),
    ])
    assert executor.main([str(path), "--save", str(tmp_path / "out")]) == 1
    out = capsys.readouterr().out
    assert "FAIL mixed.ipynb" in out
    assert "cell 5 (id" in out and "ValueError: not meant" in out
    assert "cell 4 (id" in out and "tagged 'raises-exception' but raised nothing" in out
    assert "ZeroDivisionError" not in out, "a tagged error is expected"
    assert "stderr: cell 3" in out and "careful" in out
    assert out.rstrip().endswith("0 passed, 1 failed")
    saved = nbformat.read(tmp_path / "out" / "mixed.ipynb", as_version=4)
    assert saved.cells[5].outputs[0].text == "still runs after an error\n"


def test_a_clean_notebook_passes_and_stderr_fails_only_when_strict(tmp_path, capsys):
    path = notebook(tmp_path / "clean.ipynb", [
        ("1 / 0", ["raises-exception"]),
        ("import sys; sys.stderr.write('note\\n')", []),
    ])
    assert executor.main([str(path)]) == 0
    assert executor.main([str(path), "--strict-stderr"]) == 1
    assert "1 passed, 0 failed" in capsys.readouterr().out

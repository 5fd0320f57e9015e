"""Every exercise's check passes its worked solution and fails each plausible wrong one, naming the mistake.

The gallery is ``tests/wrong_solutions/<exercise>/`` (see its README): a
``_check.py`` naming the check and the functions it takes, ``right.py``, and
one file per mistake, each declaring ``HINT_WORDS``. Files are loaded as
modules of their own, so to the check's ``Watch`` their sockets and threads
are the student's, exactly as a notebook cell's would be.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

import pytest

from sockutil.checks import Report

from tests.tool_loading import load_script

GALLERY = Path(__file__).resolve().parent / "wrong_solutions"

#: Every exercise has its right solution and at least this many wrong ones.
MIN_WRONG = 5


def exercises() -> list[Path]:
    return sorted(path.parent for path in GALLERY.glob("*/_check.py"))


def solutions() -> list[Path]:
    return sorted(
        path for folder in exercises() for path in folder.glob("*.py") if not path.name.startswith("_")
    )


def is_right(path: Path) -> bool:
    """``right.py`` is the notebook's worked solution; ``right_*.py`` are other right answers that must pass too."""
    return path.stem == "right" or path.stem.startswith("right_")


def load(path: Path) -> ModuleType:
    name = f"gallery_{path.parent.name}_{path.stem}"
    return load_script(path, name)


def run_check(path: Path) -> Report:
    """Run the exercise's check on the functions ``path`` defines; return its report."""
    meta = load(path.parent / "_check.py")
    module_name, function_name = meta.CHECK.split(":")
    check = getattr(importlib.import_module(module_name), function_name)
    solution = load(path)
    missing = [name for name in meta.FUNCTIONS if not hasattr(solution, name)]
    assert not missing, f"{path.name} defines no {missing}"
    report = check(*(getattr(solution, name) for name in meta.FUNCTIONS))
    assert isinstance(report, Report), f"{meta.CHECK} returns its Report"
    return report


@pytest.mark.parametrize("folder", exercises(), ids=lambda p: p.name)
def test_each_exercise_has_a_right_solution_and_enough_wrong_ones(folder):
    files = [p for p in folder.glob("*.py") if not p.name.startswith("_")]
    assert (folder / "right.py").is_file()
    wrong = [p for p in files if not is_right(p)]
    assert len(wrong) >= MIN_WRONG, f"{folder.name}: {len(wrong)} wrong solutions, want {MIN_WRONG}"
    for path in wrong:
        module = load(path)
        doc = (module.__doc__ or "").strip()
        assert doc and "\n" not in doc.splitlines()[0], f"{path.name}: a one-line docstring says what is wrong"
        words = getattr(module, "HINT_WORDS", None)
        assert words and all(isinstance(w, str) and w for w in words), f"{path.name}: declare HINT_WORDS"


@pytest.mark.parametrize("path", solutions(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_the_check_judges_the_solution(path, capsys):
    report = run_check(path)
    out, err = capsys.readouterr()
    assert not err, f"the check wrote to stderr:\n{err}"
    assert "Traceback" not in out
    if is_right(path):
        assert report.passed, f"the worked solution failed:\n{out}"
        return
    words = [w.lower() for w in load(path).HINT_WORDS]
    assert not report.passed, f"{path.name} passed every case, but it is wrong: {load(path).__doc__}"
    hints = [failure.hint.lower() for failure in report.failures]
    assert any(all(w in hint for w in words) for hint in hints), (
        f"{path.name}: no hint names the mistake {words}; the check said:\n{out}"
    )
    if report.stopped:  # unwritten: one line and no ticks
        assert out.count("\n") == 1 and "✔" not in out

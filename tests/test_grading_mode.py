"""Grading mode: a self-check that did not pass raises AssertionError; for a student it only prints.

nbgrader scores a test cell by whether it raises, so under nbgrader (its
``NBGRADER_EXECUTION`` variable) or with ``SOCKUTIL_GRADING=1`` every check
must raise when a case fails, when the function is unwritten, and when a stub
shows itself only at its first call. Every exercise of the gallery is run
that way here; ``test_nbgrader.py`` runs nbgrader itself.
"""

from __future__ import annotations

import gc
import importlib
from pathlib import Path

import pytest

from sockutil.checks import FAIL, Report
from sockutil.checks.grading import grading_mode
from sockutil.checks.start_here import check_shout

from .test_wrong_solutions import exercises, is_right, load

GRADING_VARIABLES = ("SOCKUTIL_GRADING", "NBGRADER_EXECUTION", "NBGRADER_VALIDATING")


@pytest.fixture(autouse=True)
def student_environment(monkeypatch):
    """Start every test as a student: no grading variable set, whatever the shell has."""
    for name in GRADING_VARIABLES:
        monkeypatch.delenv(name, raising=False)


# ------------------------------------------------------------------ detection
@pytest.mark.parametrize("environ,expected", [
    ({}, False),
    ({"NBGRADER_EXECUTION": "autograde"}, True),
    ({"NBGRADER_EXECUTION": "validate", "NBGRADER_VALIDATING": "1"}, True),
    ({"NBGRADER_EXECUTION": ""}, False),
    ({"SOCKUTIL_GRADING": "1"}, True),
    ({"SOCKUTIL_GRADING": " Yes "}, True),
    ({"SOCKUTIL_GRADING": "0", "NBGRADER_EXECUTION": "autograde"}, False),
    ({"SOCKUTIL_GRADING": "off"}, False),
    ({"SOCKUTIL_GRADING": "", "NBGRADER_EXECUTION": "autograde"}, True),
])
def test_grading_mode_is_read_from_nbgrader_and_the_switch(environ, expected):
    assert grading_mode(environ) is expected


def test_a_switch_that_is_neither_on_nor_off_is_a_clear_error():
    with pytest.raises(ValueError, match=r"SOCKUTIL_GRADING='maybe' is neither on nor off: set it to 1"):
        grading_mode({"SOCKUTIL_GRADING": "maybe"})


def test_the_mode_is_read_when_a_check_starts(monkeypatch):
    assert Report("x").grading is False
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert Report("x").grading is True
    assert Report("x", grading=False).grading is False


# ------------------------------------------------------------------ the report
def failing_report(grading: bool) -> Report:
    report = Report("demo", grading=grading)
    report.check(True, "the first case")
    report.check(False, "the second case: returned 'b'", "return 'a'")
    report.check(False, "the third case: raised TimeoutError", "")
    return report


def test_a_student_sees_the_crosses_and_no_exception(capsys):
    report = failing_report(grading=False).finish()
    assert not report.passed
    assert capsys.readouterr().out.endswith("demo: 2 of 3 checks failed. Keep going!\n")


def test_in_grading_mode_a_failed_case_raises_with_the_failing_lines(capsys):
    report = failing_report(grading=True)
    with pytest.raises(AssertionError) as raised:
        report.finish()
    assert str(raised.value) == (
        "demo: 2 of 3 checks failed\n"
        f"{FAIL} the second case: returned 'b'\n"
        "    hint: return 'a'\n"
        f"{FAIL} the third case: raised TimeoutError"
    )
    printed = capsys.readouterr().out  # the same lines as a student's, verdict included
    assert "✔ the first case\n" in printed and printed.endswith("Keep going!\n")


def test_in_grading_mode_a_report_that_passed_returns_quietly(capsys):
    report = Report("demo", grading=True)
    report.check(True, "the only case")
    assert report.finish() is report
    assert capsys.readouterr().out == "✔ the only case\ndemo: all 1 checks passed.\n"


def test_in_grading_mode_a_report_with_no_case_does_not_pass():
    with pytest.raises(AssertionError, match="demo: no case was checked"):
        Report("demo", grading=True).finish()


def test_a_right_solution_prints_the_same_in_both_modes(capsys, monkeypatch):
    right_shout = load(Path(__file__).parent / "wrong_solutions" / "shout" / "right.py").shout
    check_shout(right_shout)
    as_student = capsys.readouterr().out
    monkeypatch.setenv("SOCKUTIL_GRADING", "1")
    assert check_shout(right_shout).passed
    assert capsys.readouterr().out == as_student
    assert as_student.endswith("shout: all 6 checks passed.\n")


# ------------------------------------------------------ every check, graded
def check_and_functions(folder: Path, path: Path):
    meta = load(folder / "_check.py")
    module_name, function_name = meta.CHECK.split(":")
    check = getattr(importlib.import_module(module_name), function_name)
    module = load(path)
    return check, [getattr(module, name) for name in meta.FUNCTIONS]


def hide(stub):
    """A stub whose source does not show it: it is found only when its first call raises."""
    def hidden(*args, **kwargs):
        return stub(*args, **kwargs)
    hidden.__name__ = stub.__name__
    return hidden


def first_wrong(folder: Path) -> Path:
    """One plausible wrong solution of the exercise (the first by name, not the stub)."""
    wrong = sorted(p for p in folder.glob("*.py")
                   if not p.name.startswith("_") and not is_right(p) and p.stem != "unwritten")
    return wrong[0]


@pytest.mark.parametrize("folder", exercises(), ids=lambda p: p.name)
def test_graded_an_unwritten_function_fails_the_cell(folder, monkeypatch, capsys):
    check, functions = check_and_functions(folder, folder / "unwritten.py")
    monkeypatch.setenv("SOCKUTIL_GRADING", "1")
    with pytest.raises(AssertionError, match=r"is not written yet: write \w+\(\) first"):
        check(*functions)
    assert capsys.readouterr().out.startswith(f"{FAIL} write ")  # and the student's line is printed


@pytest.mark.parametrize("folder", exercises(), ids=lambda p: p.name)
def test_graded_a_stub_found_at_its_first_call_fails_the_cell_and_leaks_nothing(folder, monkeypatch):
    check, functions = check_and_functions(folder, folder / "unwritten.py")
    monkeypatch.setenv("SOCKUTIL_GRADING", "1")
    with pytest.raises(AssertionError):
        check(*(hide(function) for function in functions))
    gc.collect()  # a socket the check left open would now raise ResourceWarning (an error here)


@pytest.mark.parametrize("folder", exercises(), ids=lambda p: p.name)
def test_graded_a_wrong_solution_fails_the_cell_naming_its_mistake(folder, monkeypatch):
    path = first_wrong(folder)
    check, functions = check_and_functions(folder, path)
    monkeypatch.setenv("SOCKUTIL_GRADING", "1")
    with pytest.raises(AssertionError) as raised:
        check(*functions)
    message = str(raised.value).lower()
    assert all(word.lower() in message for word in load(path).HINT_WORDS), (
        f"{path.name}: the AssertionError does not name the mistake:\n{raised.value}")

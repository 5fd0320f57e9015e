"""Shared fixtures: every test must leave no server thread behind, and runs in the student's mode."""

from __future__ import annotations

import threading

import pytest

from sockutil import stop_all


def _sockutil_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("sockutil:")]


@pytest.fixture(autouse=True)
def no_leaked_server_threads():
    """Fail a test that leaves a sockutil thread running (then clean up for the next)."""
    before = set(_sockutil_threads())
    yield
    leaked = [name for name in _sockutil_threads() if name not in before]
    if leaked:
        stop_all()
        pytest.fail(f"test left server threads running: {leaked}")


@pytest.fixture(autouse=True)
def student_mode(monkeypatch):
    """Self-checks print ticks, as for a student, even if the shell that runs the tests grades.

    Grading mode (``SOCKUTIL_GRADING``, or ``NBGRADER_EXECUTION`` set by nbgrader)
    makes a failing check raise; the tests that want it set it themselves.
    """
    monkeypatch.delenv("SOCKUTIL_GRADING", raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)

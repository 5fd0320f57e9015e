"""Shared fixtures: every test must leave no server thread behind."""

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

"""Interruptible stops a runaway call in another thread, and never afterwards."""

from __future__ import annotations

import threading

from sockutil.checks.harness import attempt
from sockutil.checks.interrupt import Interruptible, StoppedByCheck


def test_a_loop_that_waits_on_nothing_is_stopped():
    def spin():
        while True:
            pass

    call = Interruptible(spin)
    outcome = attempt(call, deadline=0.2, on_hang=call.interrupt)
    assert outcome.hung and call.interrupted
    assert isinstance(outcome.error, StoppedByCheck)
    assert not [t for t in threading.enumerate() if t.name.startswith("sockutil-check")]


def test_except_exception_does_not_swallow_it():
    def stubborn():
        while True:
            try:
                sum(range(100))
            except Exception:  # noqa: BLE001 - the student's mistake
                pass

    call = Interruptible(stubborn)
    assert attempt(call, deadline=0.2, on_hang=call.interrupt).hung
    assert call.interrupted


def test_a_finished_call_is_left_alone():
    call = Interruptible(lambda x: x + 1)
    assert attempt(call, 1).value == 2
    call.interrupt()  # nothing runs: nothing is raised, now or later
    assert not call.interrupted
    assert attempt(call, 2).value == 3

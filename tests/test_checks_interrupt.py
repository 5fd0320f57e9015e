"""Interruptible stops a runaway call in another thread, and never afterwards."""

from __future__ import annotations

import contextlib
import ctypes
import threading

import pytest

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


# ------------------------------------------------- a thread being started
# Why: on CPython 3.11 ``Thread.start()`` preallocates the new thread's state
# with the *starting* thread's id, and the new thread puts its own id there
# only once it runs. ``PyThreadState_SetAsyncExc`` takes the first state with
# the id it is given, the newest one: an interrupt sent in that window lands
# in the new thread ("Exception ignored in thread started by ...") and the
# runaway loop it was meant for runs on. The hook below makes that window
# with the same two things ``Thread.start()`` leaves while it waits for the
# new thread: an entry in ``threading._limbo`` and a preallocated state that
# carries the caller's id. Python 3.12 and later give a new state no id until
# its thread runs, and do not export the call, so the test skips there.
_API = ctypes.PyDLL(None)   # our own handle: .restype set here changes no one else's ctypes.pythonapi
_PREALLOC = getattr(_API, "_PyThreadState_Prealloc", None)


@contextlib.contextmanager
def a_thread_being_started():
    """Leave, while the block runs, the state ``Thread.start()`` leaves before the new thread runs."""
    _API.PyInterpreterState_Get.restype = ctypes.c_void_p
    _PREALLOC.restype = ctypes.c_void_p
    _PREALLOC.argtypes = [ctypes.c_void_p]
    _API.PyThreadState_Clear.argtypes = [ctypes.c_void_p]
    _API.PyThreadState_Delete.argtypes = [ctypes.c_void_p]
    marker = object()
    with threading._active_limbo_lock:
        threading._limbo[marker] = marker
    state = _PREALLOC(_API.PyInterpreterState_Get())   # carries this thread's id, like a new thread's
    try:
        yield
    finally:
        _API.PyThreadState_Clear(state)
        _API.PyThreadState_Delete(state)
        with threading._active_limbo_lock:   # last, as the new thread's own start does
            del threading._limbo[marker]


@pytest.mark.skipif(_PREALLOC is None, reason="Python 3.12 and later give a starting thread's state no id")
def test_an_interrupt_never_lands_in_a_thread_the_call_is_starting():
    in_window, left_window, stop_spinning = threading.Event(), threading.Event(), threading.Event()
    stopped = []

    def starts_a_thread_then_spins():
        with a_thread_being_started():
            in_window.set()
            left_window.wait(5)
        while not stop_spinning.is_set():   # a runaway loop, bounded so a failure cannot spin on
            pass

    call = Interruptible(starts_a_thread_then_spins)

    def run() -> None:
        try:
            call()
        except StoppedByCheck:
            stopped.append(True)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    try:
        assert in_window.wait(5)
        call.on_defer = left_window.set    # the hook: the window closes once the interrupt has waited
        interrupter = threading.Thread(target=call.interrupt, daemon=True)
        interrupter.start()
        interrupter.join(5)
        left_window.set()
        worker.join(5)
    finally:
        stop_spinning.set()
        worker.join(5)
    assert stopped, "the interrupt went to the thread being started, and the loop ran on"
    assert call.interrupted

"""sockutil.checks.thread_states: which of our threads wait, read from Linux's /proc."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest

from sockutil.checks import thread_states
from sockutil.checks.thread_states import wait_until_waiting, where

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/task").exists() or thread_states.FUTEX_CALLS is None,
    reason="needs Linux's /proc and this machine's system call numbers")


def started(target, *args) -> threading.Thread:
    thread = threading.Thread(target=target, args=args, daemon=True)
    thread.start()
    return thread


def test_threads_in_accept_and_on_an_event_wait_and_a_spinning_one_does_not():
    release = threading.Event()
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(5)
        accepted: list = []
        accepting = started(lambda: accepted.append(listener.accept()[0]))
        on_event = started(release.wait, 5)

        def spin() -> None:
            while not release.is_set():
                pass

        spinning = started(spin)
        try:
            assert wait_until_waiting([accepting, on_event], time.monotonic() + 5) is True
            started_at = time.monotonic()
            assert wait_until_waiting([accepting, spinning], started_at + 0.3) is False
            assert time.monotonic() - started_at >= 0.3, "False only once the deadline has passed"
            assert where(spinning)[0] is False
        finally:
            release.set()
            socket.create_connection(listener.getsockname(), timeout=5).close()   # ends the accept
        for thread in (accepting, on_event, spinning):
            thread.join(5)
        for conn in accepted:
            conn.close()
    assert where(spinning) == (True, "ended")


def test_a_thread_that_stops_spinning_and_waits_is_seen_waiting_once_it_does():
    waiting_now = threading.Event()
    release = threading.Event()

    def spin_then_wait() -> None:
        end = time.monotonic() + 0.2
        while time.monotonic() < end:
            pass
        waiting_now.set()
        release.wait(5)

    thread = started(spin_then_wait)
    try:
        assert wait_until_waiting([thread], time.monotonic() + 5) is True
        assert waiting_now.is_set(), "seen waiting only once it was"
    finally:
        release.set()
        thread.join(5)

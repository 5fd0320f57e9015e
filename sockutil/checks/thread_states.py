"""Is a thread of ours waiting (in the kernel, or on an event), or still on its way there? Linux's /proc says.

Why: a check that sets ``stop`` must do it while the student's loop is
waiting, the way a real stop comes to an idle server. Set a moment earlier,
while the loop is still finishing its last client (or its thread is runnable
but not yet scheduled, as on a loaded machine), and the loop sees the flag on
its way back, so a loop that would never have looked at it again passes.
Every client being done does not tell that; the thread's own state does.

For each of our own threads the kernel shows its state in
``/proc/self/task/<tid>/stat`` (``S``: sleeping) and the system call it is
blocked in, with its number, in ``.../syscall`` (``running`` if none). A
thread sleeping in ``accept``, ``poll``, ``epoll_wait`` or ``recvfrom`` is
waiting for the network. One sleeping in ``futex`` is waiting on a lock: that
may be a ``threading.Event`` (then its Python frame is in ``threading.py``),
but also the GIL, which a runnable thread waits for, so the frame tells (a
wait in ``threading.py``, ``queue.py`` or a pool's code), and a look that
stays the same for ``STEADY`` seconds.
Where /proc or the machine's numbers are unknown (macOS, Windows, another
architecture), nothing can be told, and the caller pauses instead.
"""

from __future__ import annotations

import platform
import sys
import threading
import time
from pathlib import Path

__all__ = ["FALLBACK_PAUSE", "wait_until_waiting", "where"]

#: The futex system calls, by machine: a thread in one waits on a lock (an event, or the GIL).
FUTEX_CALLS = {"x86_64": {202, 449}, "aarch64": {98, 449}}.get(platform.machine())

#: Where a thread's state cannot be read: seconds to pause instead.
FALLBACK_PAUSE = 0.2

#: Seconds between two looks.
LOOK_EVERY = 0.002

#: Seconds for which every thread must be seen waiting, in the same place: a thread
#: caught in a quick system call (a close), or waiting for the GIL a moment, moves on sooner.
STEADY = 0.02

#: Where a thread waiting on a lock waits on an event, a condition, a queue or a pool's work,
#: not for the GIL (which a thread may wait for anywhere).
_STDLIB = Path(threading.__file__).resolve().parent
_WAITING_PLACES = tuple(str(_STDLIB / name) for name in ("threading.py", "queue.py", "concurrent/futures"))


def _kernel_wait(thread: threading.Thread) -> tuple[str, str] | None:
    """(state, system call line) of ``thread``; None if it cannot be read."""
    task = Path("/proc/self/task", str(thread.native_id))
    try:
        state = (task / "stat").read_text().rsplit(")", 1)[1].split()[0]
        call = (task / "syscall").read_text().strip()
    except (OSError, IndexError):
        return None
    return state, call


def where(thread: threading.Thread) -> tuple[bool, object] | None:
    """(is ``thread`` waiting, where): asleep in a system call that is not a lock's, or on an event.

    An ended thread waits for nothing more: (True, "ended"). None if this system cannot tell.
    """
    if FUTEX_CALLS is None or thread.native_id is None:
        return None
    seen = _kernel_wait(thread) if thread.is_alive() else None
    if seen is None:
        return None if thread.is_alive() else (True, "ended")
    state, call = seen
    number = call.split()[0] if call else "running"
    if state not in ("S", "D") or number in ("running", "-1"):
        return False, call
    frame = sys._current_frames().get(thread.ident or -1)
    place = (call, frame.f_code.co_filename, frame.f_lineno) if frame is not None else (call,)
    if int(number) not in FUTEX_CALLS:
        return True, place
    in_a_waiting_place = frame is not None and frame.f_code.co_filename.startswith(_WAITING_PLACES)
    return in_a_waiting_place, place


def wait_until_waiting(threads: list[threading.Thread], deadline: float) -> bool | None:
    """Wait until every thread of ``threads`` is waiting, in one place for ``STEADY`` s, or ``deadline`` passes.

    Returns True once they all wait, False at the deadline; None if this
    system cannot tell, after ``FALLBACK_PAUSE``.
    """
    steady_since, places = None, None
    while True:
        looks = [where(thread) for thread in threads]
        if None in looks:
            time.sleep(FALLBACK_PAUSE)
            return None
        now = time.monotonic()
        if all(waits for waits, _ in looks):  # type: ignore[misc]
            current = [place for _, place in looks]  # type: ignore[misc]
            if current != places:
                steady_since, places = now, current
            elif now - steady_since >= STEADY:  # type: ignore[operator]
                return True
        else:
            steady_since, places = None, None
        if now >= deadline:
            return False
        time.sleep(LOOK_EVERY)

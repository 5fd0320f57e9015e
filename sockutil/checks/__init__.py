"""Self-checks for exercises: run the student's code against real servers and say what is right.

Why: a student who just wrote a client wants to know, in plain words, whether
it works and, if not, what to look at. A check runs the student's function
against a real server (and against input meant to break it), catches every
exception, and prints one line per case: a tick or a cross with a hint chosen
by what went wrong. It never shows a traceback for the student's own mistake
and never hangs: while a check runs, every new socket gets a default timeout.

What every check shares lives in ``harness`` (outcomes, hints by cause, the
report, "write it first") and ``watch`` (the student's sockets and threads).
The checks of each notebook live in a module named after it, e.g.
``sockutil.checks.start_here`` for ``00-start-here.ipynb``; no such module
imports another. Each check function returns its ``Report``, which shows
nothing as a cell's value.
"""

from __future__ import annotations

from .harness import (
    FAIL,
    PASS,
    Hint,
    Outcome,
    Report,
    Result,
    always,
    attempt,
    describe_error,
    hung,
    is_unwritten,
    pick_hint,
    raised,
    short,
)
from .watch import Watch, default_timeout

__all__ = [
    "FAIL", "PASS", "Hint", "Outcome", "Report", "Result", "Watch",
    "always", "attempt", "default_timeout", "describe_error", "hung", "is_unwritten",
    "pick_hint", "raised", "short",
]


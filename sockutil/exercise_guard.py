"""The kit's helpers that would answer an exercise refuse to, while that exercise's self-check runs.

Why: the lessons use the kit's helpers openly once a student has written the
same thing by hand. ``recv_until_closed`` is notebook 05's ``drain`` with a
size limit, netsim's ``Receiver`` is notebook 07's ``reassemble``, and the
framing decoders are most of notebook 01's and 06's readers. (A helper that
was an exercise's answer and nothing more, as ``names.bind_preferred`` was for
notebook 04, is not in the kit at all.) Taking those helpers out would break
the later lessons that use them; leaving them as they are would
let ``drain = sockutil.recv_until_closed`` pass its self-check, and be graded
so. So each such helper asks this module first (``refuse("recv_until_closed")``)
and the self-check of the exercise it would answer runs ``during("drain")``:
while it does, a call that comes straight from the student's code raises
``KitAnswerError``, which says in words what to do instead. Outside a check,
and for the kit's own calls inside one (the check's servers and clients), the
helpers work as always.

Whose call is it? Going out from the helper, the first frame that is not the
kit's decides: a frame in Python's own library (a thread's start, for the
check's servers) is the kit's business; any other file (a notebook cell, a
student's module) is the student's. Two kinds of the kit's frames decide
too: the harness's runner of the student's function (``calls_student_code``),
for a helper handed to the check as the student's function itself, and the
entry of a check (``guarded``), below which the check's own calls go through. ``EXERCISE_HELPERS`` is the one
table of which helper answers which exercise; ``tests/test_student_package.py``
runs each exercise's self-check, in the student package, against the helpers
that come closest to answering it.

Bottom floor: the standard library only, no I/O.
"""

from __future__ import annotations

import os
import sys
import sysconfig
import threading
from contextlib import contextmanager
from types import CodeType
from typing import Callable, Iterator, TypeVar

__all__ = ["EXERCISE_HELPERS", "KitAnswerError", "calls_student_code", "during", "guarded", "refuse"]

#: Exercise (its function's name) -> the kit's helpers that would answer it, by the name each
#: helper gives ``refuse``. A helper a lesson hands out *before* its exercise as a building block
#: (``recv_exactly``, which notebook 00 shows right before ``shout`` as "the receive loop above,
#: ready-made", and which notebook 06's ``read_frame`` tip asks for) is no answer and is not listed.
EXERCISE_HELPERS: dict[str, tuple[str, ...]] = {
    "shout": ("send_and_receive",),
    "messages": ("encode_length_prefixed", "encode_line", "LineDecoder", "LengthPrefixDecoder"),
    "ask": ("request",),
    "drain": ("recv_until_closed", "recv_chunks", "request"),
    "read_lines": ("LineDecoder",),
    "read_frame": ("LengthPrefixDecoder",),
    "reassemble": ("netsim.Receiver",),
}

#: Where the kit's own code lives: frames here are never the student's.
_KIT = os.path.dirname(os.path.abspath(__file__)) + os.sep

#: Where Python's own library lives: a frame here (threading's bootstrap) is not the student's either.
_PYTHON = tuple(sorted({os.path.abspath(path) + os.sep for key in ("stdlib", "platstdlib")
                        if (path := sysconfig.get_paths().get(key))}))

#: Code of the frames that enter a self-check (``guarded``): a helper called below them, from the
#: kit's code alone, is the check's own call.
_CHECK_ENTRIES: set[CodeType] = set()

#: Code of the frames that call the student's function (``calls_student_code``).
_STUDENT_CALLERS: set[CodeType] = set()

_lock = threading.Lock()
_active: list[str] = []   # the exercises whose checks are running (nested checks are allowed)


class KitAnswerError(RuntimeError):
    """The student's function called the kit's own version of the exercise being checked."""

    def __init__(self, helper: str, exercise: str) -> None:
        super().__init__(
            f"your {exercise}() called sockutil's {helper}, the kit's own version of this exercise, which "
            f"this check does not accept: write {exercise}() yourself, with the calls the lesson showed")
        self.helper = helper
        self.exercise = exercise


@contextmanager
def during(exercise: str) -> Iterator[None]:
    """While the block runs, the helpers that answer ``exercise`` refuse calls from the student's code."""
    if exercise not in EXERCISE_HELPERS:
        raise KeyError(f"no kit helper is listed for the exercise {exercise!r}")
    with _lock:
        _active.append(exercise)
    try:
        yield
    finally:
        with _lock:
            _active.remove(exercise)


F = TypeVar("F", bound=Callable)


def guarded(exercise: str) -> Callable[[F], F]:
    """Decorate a self-check: it runs ``during(exercise)``, and its own calls of the helpers go through."""
    def decorate(check: F) -> F:
        def run_check(*args, **kwargs):
            with during(exercise):
                return check(*args, **kwargs)
        _CHECK_ENTRIES.add(run_check.__code__)
        run_check.__name__, run_check.__qualname__ = check.__name__, check.__qualname__
        run_check.__doc__, run_check.__module__, run_check.__wrapped__ = check.__doc__, check.__module__, check
        return run_check  # type: ignore[return-value]
    return decorate


def calls_student_code(code: CodeType) -> None:
    """Say that frames running ``code`` call the student's function (the check harness's runner).

    A helper called straight from such a frame *is* the student's function, as in
    ``check_drain(sockutil.recv_until_closed)``, and is refused.
    """
    _STUDENT_CALLERS.add(code)


def _path(filename: str) -> str:
    """A code object's file as an absolute path (``<string>``, ``<frozen ...>`` stay as they are)."""
    return filename if filename.startswith("<") else os.path.abspath(filename)


def _students(path: str) -> bool:
    """Whether code from ``path`` is the student's: neither the kit's nor Python's own library."""
    return not path.startswith(_KIT) and not path.startswith(_PYTHON) and not path.startswith("<frozen")


def refuse(helper: str) -> None:
    """Raise ``KitAnswerError`` if a running check forbids ``helper`` and the student's code called it.

    Called first thing by each helper named in ``EXERCISE_HELPERS``; costs one
    list look-up when no check runs.
    """
    if not _active:
        return
    with _lock:
        exercise = next((e for e in reversed(_active) if helper in EXERCISE_HELPERS[e]), None)
    if exercise is None:
        return
    frame = sys._getframe(1)
    while frame is not None:
        code = frame.f_code
        if code in _STUDENT_CALLERS:       # the helper was handed to the check as the student's function
            raise KitAnswerError(helper, exercise)
        if code in _CHECK_ENTRIES:         # the check's own code, and only the kit's, led here
            return
        path = _path(code.co_filename)
        if not path.startswith(_KIT):
            if _students(path):
                raise KitAnswerError(helper, exercise)
            return                         # Python's own library: a thread the kit started
        frame = frame.f_back

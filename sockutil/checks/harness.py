"""The one harness every self-check is built on: cases, hints by cause, and a watch on the student's code.

Theory of operation
-------------------
A self-check is only as good as the wrong code it fails, and only as kind as
the words it fails it with. So every check does the same four things, and
this module does them once for all of them:

1. **Is there anything to check?** A function that is still the notebook's
   stub (``raise NotImplementedError``, ``pass``, ``...``) gets one line,
   "write shout() first", and no ticks at all: ``Report.unwritten``. A stub
   the source cannot reveal is caught at its first call: an attempt that
   raises ``NotImplementedError`` stops the report the same way.
2. **Run the student's code and record what happened**, whatever happens:
   ``attempt`` returns an ``Outcome`` (the value, or the exception, or "still
   running at the deadline", and how long it took). It never lets an
   exception through, and it drops the exception's traceback, so sockets the
   student's frames held are freed now and not at some later garbage
   collection.
3. **Judge the outcome, with the hint chosen by its cause**: ``Report.case``
   compares the value, and on failure walks a list of ``Hint(when, text)``
   rules in order, giving the first whose ``when(outcome)`` holds. A hint is
   therefore picked by what went wrong (the exception, the byte count, the
   timing), not fixed per case: a ``TimeoutError`` is told about waiting, a
   wrong count about counting.
4. **Blame the student only for the student's own doing**: ``Watch`` records
   the sockets and threads the student's code creates while a check runs
   (by where they were created: outside the kit), the exceptions that escape
   those threads (which would otherwise print a traceback into some later
   cell), and the student's sockets left open or left to the garbage
   collector. It restores every process-wide setting it touches, on every
   path: ``socket.socket.__init__``, ``threading.excepthook``, the warnings
   filters and the default socket timeout. ``Watch`` lives in ``watch.py``.

A check function returns its ``Report``. In a notebook that shows nothing but
the printed lines (``Report`` has an empty ``_ipython_display_``); a test, or
a grader, can read ``report.passed`` and ``report.results``.

In **grading mode** (under nbgrader, or with ``SOCKUTIL_GRADING=1``: see
``grading.py``) the report prints the same lines, and then a check that did
not pass raises ``AssertionError`` whose message repeats the failing lines, so
that an autograder scores the cell as failed. It raises at the two points
every check reaches: ``finish()``, and the moment the function turns out to
be unwritten (``unwritten()`` at the start, or the first call raising
``NotImplementedError``), since a check returns early from there without
``finish()``. The exception leaves the check through its ``with`` blocks,
which close what the check opened, as they do for a KeyboardInterrupt.
"""

from __future__ import annotations

import ast
import contextlib
import inspect
import socket
import textwrap
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, NamedTuple, Sequence

from ..errors import describe_error
from ..exercise_guard import KitAnswerError, calls_student_code
from .grading import grading_mode

__all__ = [
    "FAIL", "PASS", "Hint", "Outcome", "Report", "Result",
    "always", "attempt", "describe_error", "hung", "is_unwritten", "pick_hint", "raised", "short",
]

PASS = "✔"
FAIL = "✘"

#: Longest repr a line shows of a value: enough to recognise it, short enough for one line.
SHORT = 60

#: Prefix of every thread the checks start: such threads are the kit's, never the student's.
KIT_THREAD_PREFIX = "sockutil"



def short(value: object, limit: int = SHORT) -> str:
    """``repr(value)``, cut to ``limit`` characters with ``...``; a socket by its state and address.

    A socket's own repr is long and full of numbers that change every run
    (``fd=57``, the ports); "a socket bound to 127.0.0.1:5000" says what matters.
    """
    if isinstance(value, socket.socket):
        return _socket_words(value)
    shown = repr(value)
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


def _socket_words(sock: socket.socket) -> str:
    if sock.fileno() == -1:
        return "a closed socket"
    try:
        address = sock.getsockname()
    except OSError:
        return "a socket"
    if not isinstance(address, tuple) or address[1] == 0:
        return "a socket bound to nothing yet"
    host = f"[{address[0]}]" if ":" in address[0] else address[0]
    return f"a socket bound to {host}:{address[1]}"


# ------------------------------------------------------------------ outcomes
@dataclass
class Outcome:
    """What the student's code did in one attempt.

    ``items`` holds what a generator yielded, kept even when it then raised;
    ``note`` is a check's own words on where it went wrong ("in round 3").
    """

    value: Any = None
    error: BaseException | None = None
    hung: bool = False
    seconds: float = 0.0
    deadline: float | None = None
    items: list = field(default_factory=list)
    note: str = ""

    @property
    def ok(self) -> bool:
        """It returned (no exception, not stopped at the deadline)."""
        return self.error is None and not self.hung

    def raised(self, *kinds: type[BaseException]) -> bool:
        return self.error is not None and isinstance(self.error, kinds or (BaseException,))

    def describe(self) -> str:
        """What happened, in words: "returned 'HELLO'", "raised TimeoutError"..."""
        if self.hung:
            return f"did not return within {self.deadline:g} s"
        if self.error is not None:
            return f"raised {describe_error(self.error)}"
        return f"returned {short(self.value)}"


def forget_traceback(error: BaseException) -> None:
    """Drop the frames an exception holds (and its context's), so their sockets are freed now."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        current.__traceback__ = None
        current = current.__context__ or current.__cause__


def attempt(
    call: Callable[..., Any],
    *args: Any,
    deadline: float | None = None,
    on_hang: Callable[[], None] | None = None,
    name: str = "student",
) -> Outcome:
    """Call the student's code with ``args`` and record what happened; never raises.

    With a ``deadline`` (seconds), the call runs in a daemon thread. If it is
    still running when the deadline passes, the outcome is ``hung``, and
    ``on_hang()`` is called to unblock it (close or shut down the socket it is
    blocked on); the thread then gets one more second to end. A generator's
    items are collected as they come, so they survive a later error.
    """
    outcome = Outcome(deadline=deadline)

    def run() -> None:
        started = time.perf_counter()
        try:
            result = call(*args)
            if inspect.isgenerator(result):
                for item in result:
                    outcome.items.append(item)
                result = outcome.items
            outcome.value = result
        except BaseException as error:  # noqa: BLE001 - the student's error, reported in words
            forget_traceback(error)
            outcome.error = error
        finally:
            outcome.seconds = time.perf_counter() - started

    calls_student_code(run.__code__)   # a kit helper called straight from here is the student's answer
    if deadline is None:
        run()
        return outcome
    worker = threading.Thread(target=run, name=f"{KIT_THREAD_PREFIX}-check:{name}", daemon=True)
    worker.start()
    worker.join(deadline)
    if worker.is_alive():
        outcome.hung = True
        if on_hang is not None:
            with contextlib.suppress(Exception):
                on_hang()
        worker.join(1.0)
    return outcome


# --------------------------------------------------------------------- hints
class Hint(NamedTuple):
    """Give ``text`` when ``when(outcome)`` holds; the first matching hint of a case wins."""

    when: Callable[[Outcome], bool]
    text: str


def raised(*kinds: type[BaseException]) -> Callable[[Outcome], bool]:
    """A ``Hint.when`` for "it raised one of these"."""
    return lambda outcome: outcome.raised(*kinds)


def hung(outcome: Outcome) -> bool:
    """A ``Hint.when`` for "it was still running at the deadline"."""
    return outcome.hung


def always(outcome: Outcome) -> bool:
    """A ``Hint.when`` that always holds: put it last, as the case's default."""
    return True


def pick_hint(outcome: Outcome, hints: Iterable[Hint]) -> str:
    if outcome.raised(KitAnswerError):   # the kit's own version of the exercise: its words say what to do
        return str(outcome.error)
    for hint in hints:
        if hint.when(outcome):
            return hint.text
    return ""


# ---------------------------------------------------------------- unwritten
def is_unwritten(function: Callable[..., Any]) -> bool:
    """True if ``function`` is still a stub: a docstring, ``pass``, ``...`` or ``raise NotImplementedError``.

    Read from the source (which IPython keeps for every cell); where there is
    no source, False: the first call will tell.
    """
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError, IndentationError):
        return False
    if not tree.body or not isinstance(tree.body[0], (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    for statement in tree.body[0].body:
        if isinstance(statement, ast.Pass):
            continue
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
            continue  # a docstring, or ...
        if isinstance(statement, ast.Raise) and statement.exc is not None:
            raised_name = statement.exc.func if isinstance(statement.exc, ast.Call) else statement.exc
            if isinstance(raised_name, ast.Name) and raised_name.id == "NotImplementedError":
                continue
        return False
    return True


# -------------------------------------------------------------------- report
class Result(NamedTuple):
    ok: bool
    what: str
    hint: str


class Report:
    """Prints one line per case as it is judged, then a verdict; keeps the results for code.

    Once ``stopped`` (the function is unwritten), further cases are neither
    printed nor counted, and ``finish`` prints nothing more.

    ``grading`` (default: read from the environment by ``grading_mode()``)
    makes a check that did not pass raise ``AssertionError`` (see the module's
    docstring).
    """

    def __init__(self, title: str, *, grading: bool | None = None) -> None:
        self.title = title
        self.results: list[Result] = []
        self.stopped = False
        self.grading = grading_mode() if grading is None else grading

    # -- recording
    def check(self, ok: bool, what: str, hint: str = "") -> bool:
        """Record and print one case: a tick, or a cross with its hint."""
        if self.stopped:
            return False
        self.results.append(Result(bool(ok), what, "" if ok else hint))
        line = f"{PASS if ok else FAIL} {what}"
        if not ok and hint:
            line += f"\n    hint: {hint}"
        print(line)
        return bool(ok)

    def tidy(self, ok: bool, what: str, hint: str = "") -> bool:
        """A case about tidiness ("every connection was closed"), judged only once some case passed.

        Code that did nothing (or nothing right) closes nothing it left open:
        it must not earn a tick for that.
        """
        if not any(result.ok for result in self.results):
            return False
        return self.check(ok, what, hint)

    def unwritten(self, *functions: Callable[..., Any]) -> bool:
        """If any of ``functions`` is still a stub: say so in one line, stop, and return True."""
        for function in functions:
            if is_unwritten(function):
                self.stop_unwritten(getattr(function, "__name__", "your function"))
                return True
        return False

    def stop_unwritten(self, name: str) -> None:
        """Say in one line that ``name`` is not written yet, and stop: no case is judged after it.

        For work that is not a Python function (a C source file left as the
        notebook gave it), which ``unwritten`` cannot read.
        """
        self.results.append(Result(False, f"{name}() is not written yet", f"write {name}() first"))
        print(f"{FAIL} write {name}() first: fill in its cell, run that cell, then run this check again")
        self.stopped = True
        if self.grading:
            raise AssertionError(self.failure_message())

    def stop_kit_answer(self, error: BaseException) -> None:
        """Say in one line that the student's function is the kit's own version of the exercise, and stop."""
        self.results.append(Result(False, "the kit's own version of the exercise", str(error)))
        print(f"{FAIL} {error}")
        self.stopped = True
        if self.grading:
            raise AssertionError(self.failure_message())

    def case(
        self,
        what: str,
        outcome: Outcome,
        expected: Any = None,
        hints: Sequence[Hint] = (),
        *,
        same: Callable[[Any, Any], bool] | None = None,
        function: str | None = None,
    ) -> bool:
        """Judge an ``Outcome``: it returned ``expected`` (or ``same(value, expected)`` holds).

        On failure the line says what happened and the hint is the first of
        ``hints`` that matches. An outcome that raised ``NotImplementedError``
        stops the report as unwritten (named ``function``).
        """
        if self.stopped:
            return False
        if outcome.raised(NotImplementedError) and not any(r.ok for r in self.results):
            self.stop_unwritten(function or self.title)
            return False
        if outcome.raised(KitAnswerError):
            self.stop_kit_answer(outcome.error)
            return False
        if outcome.ok and (same(outcome.value, expected) if same else outcome.value == expected):
            return self.check(True, what)
        where = f" {outcome.note}" if outcome.note else ""
        return self.check(False, f"{what}:{where} {outcome.describe()}", pick_hint(outcome, hints))

    def skip(self, what: str, why: str = "fix the case above first") -> None:
        """A case that was not tried: a cross, because it has not passed."""
        self.check(False, f"{what}: not tried, {why}")

    # -- reading
    @property
    def failures(self) -> list[Result]:
        return [result for result in self.results if not result.ok]

    @property
    def passed(self) -> bool:
        return bool(self.results) and not self.failures

    def finish(self) -> Report:
        """Print the verdict, and return the report itself; in grading mode, raise if it did not pass."""
        if not self.stopped:
            failed = len(self.failures)
            if failed:
                print(f"{self.title}: {failed} of {len(self.results)} checks failed. Keep going!")
            else:
                print(f"{self.title}: all {len(self.results)} checks passed.")
        if self.grading and not self.passed:
            raise AssertionError(self.failure_message())
        return self

    def failure_message(self) -> str:
        """What failed, in the words the check printed: the message of the grading mode's AssertionError."""
        if not self.results:
            return f"{self.title}: no case was checked"
        failures = self.failures
        if self.stopped:  # the last result says which function is unwritten
            return f"{self.title}: {failures[-1].what}: {failures[-1].hint}"
        lines = [f"{self.title}: {len(failures)} of {len(self.results)} checks failed"]
        for failure in failures:
            lines.append(f"{FAIL} {failure.what}")
            if failure.hint:
                lines.append(f"    hint: {failure.hint}")
        return "\n".join(lines)

    def _ipython_display_(self) -> None:
        """Show nothing as a cell's value: the check has printed its lines already."""

    def __repr__(self) -> str:
        return f"<Report {self.title!r}: {len(self.results) - len(self.failures)} of {len(self.results)} passed>"

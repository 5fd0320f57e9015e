"""Self-checks for exercises: run the student's code against real servers and say what is right.

Why: a student who just wrote a client wants to know, in plain words, whether
it works and, if not, what to look at. A check runs the student's function
against a real server (and against input meant to break it), catches every
exception, and prints one line per case: a tick or a cross with a hint. It
never shows a traceback for the student's own mistake and never hangs: while
a check runs, every new socket gets a default timeout.

This package holds what every check shares (``Report``, ``default_timeout``);
the checks of each notebook live in a module named after it, e.g.
``sockutil.checks.start_here`` for ``00-start-here.ipynb``.
"""

from __future__ import annotations

import contextlib
import socket
from typing import Callable, Iterator

from ..clients import DEFAULT_TIMEOUT
from ..errors import describe_error

__all__ = ["Report", "default_timeout", "describe_error", "unclosed_sockets", "PASS", "FAIL"]

PASS = "✔"
FAIL = "✘"


@contextlib.contextmanager
def default_timeout(seconds: float = DEFAULT_TIMEOUT) -> Iterator[None]:
    """Give every socket created inside the block a timeout, so student code cannot hang."""
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(previous)


@contextlib.contextmanager
def unclosed_sockets() -> Iterator[list[str]]:
    """Collect the sockets that code inside the block left for the garbage collector to close.

    CPython closes a socket nobody refers to any more, so a function that
    forgets ``close()`` seems to work; but it warns (``ResourceWarning:
    unclosed <socket...>``), and in a long-running server such leaks pile up.
    The list yielded fills with one line per socket left unclosed.
    """
    import gc
    import warnings

    found: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        try:
            yield found
        finally:
            gc.collect()
            found.extend(
                str(w.message) for w in caught
                if issubclass(w.category, ResourceWarning) and "socket" in str(w.message)
            )



class Report:
    """Collects the result of each case and prints it at once, one line each."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.results: list[tuple[bool, str, str]] = []

    def check(self, ok: bool, what: str, hint: str = "") -> bool:
        self.results.append((bool(ok), what, hint))
        mark = PASS if ok else FAIL
        line = f"{mark} {what}"
        if not ok and hint:
            line += f"\n    hint: {hint}"
        print(line)
        return bool(ok)

    def run(self, what: str, call: Callable[[], object], expected: object, hint: str = "") -> bool:
        """Call ``call()``; pass if it returns ``expected``; describe an exception in words."""
        try:
            got = call()
        except Exception as error:  # noqa: BLE001 - the student's error, reported in words
            return self.check(False, f"{what}: raised {type(error).__name__}: {error}", hint)
        if got == expected:
            return self.check(True, what)
        shown = repr(got)
        if len(shown) > 60:
            shown = shown[:57] + "..."
        return self.check(False, f"{what}: got {shown}", hint)

    @property
    def passed(self) -> bool:
        return bool(self.results) and all(ok for ok, _, _ in self.results)

    def finish(self) -> None:
        """Print the verdict (``passed`` tells it to code).

        Returns nothing, so that a check cell shows only the printed lines.
        """
        failed = sum(1 for ok, _, _ in self.results if not ok)
        if failed:
            print(f"{self.title}: {failed} of {len(self.results)} checks failed. Keep going!")
        else:
            print(f"{self.title}: all {len(self.results)} checks passed.")

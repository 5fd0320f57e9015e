"""Parallel test runs (pytest-xdist): which tests must share a worker, and which need not.

Why: ``pyproject.toml`` runs the tests on several workers with ``--dist
loadfile``, which hands each file to one worker as a whole. A notebook must
be whole: nbval runs its cells in order, in one kernel, each cell a test item.
So must a test file whose tests share an expensive module fixture (the
browser test's JupyterLab). But one file is different: the gallery of wrong
solutions (``tests/test_wrong_solutions.py``) is a hundred-odd independent
checks and half of the unit tests' time; as one unit of work it would keep
one worker busy long after the others were done. So under ``loadfile`` its
cases are handed out one by one; every other file stays whole. With ``-n 0``
everything runs in one process, in order, and none of this matters.

xdist's own way to group tests by mark (``--dist loadgroup``) is not used: with
pytest 9.2 it silently stops grouping (pytest-xdist issue #1386), which would
split notebooks across kernels.
"""

from __future__ import annotations

import pytest

#: Test files whose tests are independent and long in total: under
#: ``--dist loadfile`` each of their tests is a unit of work of its own.
SPREAD = ("tests/test_wrong_solutions.py",)


def split_scope(nodeid: str) -> str:
    """The unit of work a test belongs to: its file, or the test itself in a ``SPREAD`` file."""
    path = nodeid.split("::", 1)[0]
    return nodeid if path in SPREAD else path


@pytest.hookimpl(optionalhook=True)  # a hook of xdist's: unknown to pytest when xdist is absent
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """``--dist loadfile``, with ``SPREAD`` files spread (run in xdist's controller process)."""
    if config.getvalue("dist") != "loadfile":
        return None  # xdist's own scheduler for every other mode
    from xdist.scheduler import LoadFileScheduling

    class SpreadingLoadFile(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return split_scope(nodeid)

    return SpreadingLoadFile(config, log)

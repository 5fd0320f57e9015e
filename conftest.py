"""Parallel test runs (pytest-xdist): which tests share a worker, and kernels that take no ports.

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

nbval's kernels talk to it over Unix sockets (ZeroMQ's ``ipc`` transport), not
loopback TCP. Over TCP, jupyter_client picks five free ports (binding port 0,
then closing), writes them down, and starts the kernel, which binds them a
second or so later. Any process may take one of them meanwhile: with four
workers whose tests open loopback sockets by the thousand, one run in some
tens lost a kernel that way. A kernel whose IOPub port was taken stays alive
and never answers: nbval gave up after 60 s with "Kernel didn't respond in 60
seconds" (shown here by taking that port on purpose). A socket file in the
temporary folder, named at random, cannot be taken. Windows has no ``ipc``
transport; there the kernels keep TCP.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import uuid
from collections import Counter
from pathlib import Path

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
    # xdist would sort the units by their number of tests, putting the notebooks
    # with the most cells first, not the longest ones: 08, the longest, then
    # started fifth and ended the run seconds after every other worker was done.
    # The order of pytest_collection_modifyitems (below) is the one wanted.
    config.option.loadscopereorder = False
    from xdist.scheduler import LoadFileScheduling

    class SpreadingLoadFile(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return split_scope(nodeid)

    return SpreadingLoadFile(config, log)


def ipc_kernel_manager():
    """jupyter_client's ``KernelManager``, with the ``ipc`` transport at a fresh socket path."""
    from jupyter_client.manager import KernelManager
    from traitlets import CaselessStrEnum, default

    class IpcKernelManager(KernelManager):
        transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)

        @default("ip")
        def _ip_default(self) -> str:
            # An absolute path: a relative one ("kernel-ipc", the default) would be
            # looked up in the kernel's working folder by the kernel, and in ours by us.
            # The temporary folder always exists (Jupyter's runtime folder may not yet),
            # and its path is short: a Unix socket's path has room for about 100 bytes.
            return os.path.join(tempfile.gettempdir(), f"nbval-{uuid.uuid4().hex[:12]}-ipc")

    return IpcKernelManager


def pytest_configure(config: pytest.Config) -> None:
    """nbval starts its kernels with the ``ipc`` transport (see the module's docstring)."""
    if os.name != "posix" or not config.pluginmanager.hasplugin("nbval"):
        return
    import nbval.kernel

    nbval.kernel.KernelManager = ipc_kernel_manager()


#: Seconds each notebook's cells took, measured by ``instructors/measure_times.py``.
TIMINGS = Path(__file__).resolve().parent / "instructors" / "timings.json"


def notebook_seconds(timings: Path = TIMINGS) -> dict[str, float]:
    """Each notebook's measured cell time (the mean of the runs saved in ``timings``); {} without the file."""
    try:
        saved = json.loads(timings.read_text(encoding="utf-8"))["notebooks"]
        return {name: sum(entry["cells_s"]) / len(entry["cells_s"]) for name, entry in saved.items()}
    except (OSError, ValueError, KeyError, TypeError, ZeroDivisionError):
        return {}


def start_order(nodeid: str, seconds: dict[str, float], unit_sizes: dict[str, int]) -> tuple[int, float]:
    """Where a test's unit of work goes in the queue: the numbered notebooks first, the longest first.

    Why: with two cores, a run's end is set by the unit that starts last and
    runs long. Handing out the longest first (the classic "longest processing
    time" rule) lets the short ones fill in around them. A notebook's length is
    its measured time (``notebook_seconds``); a notebook not measured yet goes
    first, as it may be long. Every other unit follows, the ones with the most
    tests first, which is xdist's own order.
    """
    path = nodeid.split("::", 1)[0]
    name = path.removeprefix("notebooks/")
    if path.startswith("notebooks/") and name.endswith(".ipynb") and name[:2].isdigit():
        return (0, -seconds.get(name, math.inf))
    return (1, -unit_sizes.get(split_scope(nodeid), 0))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Units of work in ``start_order``; the tests of one unit keep their order.

    Every worker sorts its collection the same way (xdist requires identical
    collections), and the scheduler takes units in this order: see
    ``pytest_xdist_make_scheduler``, which turns off xdist's own reordering.
    """
    seconds = notebook_seconds()
    unit_sizes = Counter(split_scope(item.nodeid) for item in items)
    items.sort(key=lambda item: start_order(item.nodeid, seconds, unit_sizes))   # stable: a unit's tests keep their order

"""Parallel runs and the nbval benchmarks: notebooks stay whole, the gallery is spread, figures are honest.

The scheduler is driven the way xdist's controller drives it (nodes, their
collections, ``schedule``), with stand-in workers that record what they are
sent. The benchmarks run real pytest processes on the smallest notebook and
on a notebook made to fail.
"""

from __future__ import annotations

import glob
import os
import re
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from types import ModuleType

import nbformat
import pytest

from tests.polling import wait_until
from tests.tool_loading import load_script

ROOT = Path(__file__).resolve().parent.parent
SMALLEST = ROOT / "notebooks" / "00-start-here.ipynb"
SECOND = ROOT / "notebooks" / "01-message-passing.ipynb"


def load(path: Path, name: str) -> ModuleType:
    return load_script(path, name)


root_conftest = load(ROOT / "conftest.py", "root_conftest_under_test")
nbval_time = load(ROOT / "benchmarks" / "nbval_time.py", "nbval_time_under_test")
nbval_repeat = load(ROOT / "benchmarks" / "nbval_repeat.py", "nbval_repeat_under_test")


# ------------------------------------------------------------------ scheduling
class _Config:
    """What xdist's scheduler reads of pytest's config."""

    def __init__(self, dist: str, workers: int) -> None:
        self.values = {"dist": dist, "tx": [f"{workers}*popen"]}
        self.option = type("Option", (), {"loadscopereorder": True})()

    def getvalue(self, name: str):
        return self.values[name]


class _Worker:
    """A stand-in for xdist's WorkerController: it records the test indices it is sent."""

    def __init__(self, name: str) -> None:
        self.gateway = type("Gateway", (), {"id": name})()
        self.sent: list[int] = []
        self.finished = 0  # how many of ``sent`` it has run
        self.shutting_down = False

    def send_runtest_some(self, indices: list[int]) -> None:
        self.sent.extend(indices)

    def shutdown(self) -> None:
        self.shutting_down = True


COLLECTION = [
    *[f"notebooks/05-the-socket-api.ipynb::Cell {i}" for i in range(6)],
    *[f"notebooks/08-many-clients.ipynb::Cell {i}" for i in range(6)],
    *[f"tests/test_wrong_solutions.py::test_the_check_judges_the_solution[shout/{name}]"
      for name in ("right", "decodes", "one_recv", "no_timeout", "unwritten", "counts_characters")],
    "tests/test_browser.py::test_panels_work_in_a_real_jupyterlab",
    "tests/test_browser.py::test_missing_browser_skips_with_advice_but_fails_under_ci",
]


def _schedule(workers: int) -> tuple[dict[str, set[str]], list[_Worker]]:
    """Run the project's scheduler over ``COLLECTION``: each test id -> the workers that got it, and the workers.

    The workers finish their tests one at a time, in turns, as the controller
    reports them done, until every worker has run all it was sent.
    """
    scheduler = root_conftest.pytest_xdist_make_scheduler(_Config("loadfile", workers), log=None)
    nodes = [_Worker(f"gw{i}") for i in range(workers)]
    for node in nodes:
        scheduler.add_node(node)
    for node in nodes:
        scheduler.add_node_collection(node, COLLECTION)
    scheduler.schedule()
    for _ in range(2 * len(COLLECTION)):
        busy = [node for node in nodes if node.finished < len(node.sent)]
        if not busy:
            break
        for node in busy:
            scheduler.mark_test_complete(node, node.sent[node.finished])
            node.finished += 1
    assert all(node.finished == len(node.sent) for node in nodes) and not scheduler.workqueue
    assert sum(len(node.sent) for node in nodes) == len(COLLECTION), "each test is sent once"
    where: dict[str, set[str]] = {}
    for node in nodes:
        for index in node.sent:
            where.setdefault(COLLECTION[index], set()).add(node.gateway.id)
    return where, nodes


def test_a_notebook_and_a_test_file_stay_on_one_worker_and_the_gallery_is_spread():
    where, _ = _schedule(workers=4)
    assert sorted(where) == sorted(COLLECTION), "every test is sent somewhere"
    assert all(len(workers) == 1 for workers in where.values()), "and to one worker only"
    for prefix in ("notebooks/05-", "notebooks/08-", "tests/test_browser.py"):
        assert len(set.union(*(w for test, w in where.items() if test.startswith(prefix)))) == 1, prefix
    gallery = set.union(*(w for test, w in where.items() if "test_wrong_solutions" in test))
    assert len(gallery) > 1, "the gallery's cases go to several workers"


def test_a_notebook_keeps_its_cells_in_order():
    _, [worker] = _schedule(workers=1)
    sent = [COLLECTION[i] for i in worker.sent if "08-many" in COLLECTION[i]]
    assert sent == [f"notebooks/08-many-clients.ipynb::Cell {i}" for i in range(6)]


class _Item:
    def __init__(self, nodeid: str) -> None:
        self.nodeid = nodeid


def _units_in_start_order(collection: list[str], seconds: dict[str, float], monkeypatch) -> list[str]:
    """The units one worker is sent, in order, after the project's sort of ``collection``."""
    monkeypatch.setattr(root_conftest, "notebook_seconds", lambda: seconds)
    items = [_Item(nodeid) for nodeid in collection]
    root_conftest.pytest_collection_modifyitems(config=None, items=items)
    sorted_ids = [item.nodeid for item in items]
    config = _Config("loadfile", 1)
    scheduler = root_conftest.pytest_xdist_make_scheduler(config, log=None)
    assert config.option.loadscopereorder is False, "xdist's reordering by size is turned off"
    node = _Worker("gw0")
    scheduler.add_node(node)
    scheduler.add_node_collection(node, sorted_ids)
    scheduler.schedule()
    while node.finished < len(node.sent):
        scheduler.mark_test_complete(node, node.sent[node.finished])
        node.finished += 1
    units = []
    for index in node.sent:
        unit = root_conftest.split_scope(sorted_ids[index])
        if not units or units[-1] != unit:
            units.append(unit)
    return units


def test_the_longest_notebooks_start_first_then_the_largest_test_files(monkeypatch):
    collection = [
        "tests/test_small.py::test_one",
        *[f"tests/test_large.py::test_{i}" for i in range(3)],
        *[f"notebooks/05-the-socket-api.ipynb::Cell {i}" for i in range(9)],   # the most cells
        *[f"notebooks/08-many-clients.ipynb::Cell {i}" for i in range(2)],     # the longest
        *[f"notebooks/13-not-measured.ipynb::Cell {i}" for i in range(2)],     # no time saved yet
        *[f"notebooks/00-start-here.ipynb::Cell {i}" for i in range(4)],
    ]
    seconds = {"00-start-here.ipynb": 1.0, "05-the-socket-api.ipynb": 5.0, "08-many-clients.ipynb": 9.0}
    assert _units_in_start_order(collection, seconds, monkeypatch) == [
        "notebooks/13-not-measured.ipynb", "notebooks/08-many-clients.ipynb", "notebooks/05-the-socket-api.ipynb",
        "notebooks/00-start-here.ipynb", "tests/test_large.py", "tests/test_small.py"]


def test_every_numbered_notebook_has_a_measured_time():
    seconds = root_conftest.notebook_seconds()
    numbered = sorted(path.name for path in (ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    assert numbered and all(seconds.get(name, 0) > 0 for name in numbered), set(numbered) - set(seconds)


def test_a_missing_or_broken_timings_file_gives_no_times(tmp_path):
    assert root_conftest.notebook_seconds(tmp_path / "missing.json") == {}
    (tmp_path / "broken.json").write_text("{")
    assert root_conftest.notebook_seconds(tmp_path / "broken.json") == {}


def test_other_distribution_modes_keep_xdists_own_scheduler():
    assert root_conftest.pytest_xdist_make_scheduler(_Config("load", 2), log=None) is None


def test_every_spread_file_exists_and_the_project_runs_on_workers_with_loadfile():
    assert all((ROOT / path).is_file() for path in root_conftest.SPREAD)
    addopts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["addopts"]
    assert "--dist=loadfile" in addopts
    assert any(re.fullmatch(r"--numprocesses=\d+", option) for option in addopts)
    pins = (ROOT / "requirements.txt").read_text().splitlines()
    assert any(re.fullmatch(r"pytest-xdist==[\d.]+", line) for line in pins)


# ------------------------------------------------------------------ nbval_time
def test_the_floor_is_one_cell_notebooks_with_their_output_saved(tmp_path):
    paths = nbval_time.write_floor(tmp_path, 3, like=SMALLEST)
    assert [p.name for p in paths] == ["floor-00.ipynb", "floor-01.ipynb", "floor-02.ipynb"]
    notebook = nbformat.read(paths[0], as_version=4)
    nbformat.validate(notebook)
    assert len(notebook.cells) == 1 and notebook.cells[0].outputs[0]["text"] == "floor\n"
    assert notebook.metadata.kernelspec == nbformat.read(SMALLEST, as_version=4).metadata.kernelspec


def _fake_runs(monkeypatch, kit: float, floor: float, status: int = 0, missing: int = 0) -> None:
    """Replace the pytest processes: the kit takes ``kit`` seconds, the floor ``floor``.

    Each writes a report of one test per code cell, less ``missing`` for the floor.
    """
    def run(paths, report, timeout=None):
        is_floor = paths[0].name.startswith("floor-")
        count = nbval_time.code_cells(paths) - (missing if is_floor else 0)
        case = '<testcase classname="notebooks.00-start-here.ipynb" name="Cell 0" time="0.5"/>'
        report.write_text(f"<testsuites><testsuite>{case * count}</testsuite></testsuites>")
        return (floor if is_floor else kit), "the output of pytest", status

    monkeypatch.setattr(nbval_time, "run_pytest", run)


@pytest.mark.parametrize("kit, status", [(20.0, 0), (30.0, 1)])
def test_the_target_decides_the_exit_status(monkeypatch, capsys, kit, status):
    _fake_runs(monkeypatch, kit=kit, floor=10.0)
    assert nbval_time.main([str(SMALLEST)]) == status
    last = capsys.readouterr().out.splitlines()[-1]
    assert last == f"nbval: kit {kit:.1f} s, floor 10.0 s (ratio {kit / 10:.2f})"


def test_a_failing_run_gives_no_figure(monkeypatch, capsys):
    _fake_runs(monkeypatch, kit=20.0, floor=10.0, status=1)
    assert nbval_time.main([str(SMALLEST)]) == 2
    out = capsys.readouterr().out
    assert "no figure" in out and "nbval:" not in out


def test_a_run_that_ran_fewer_tests_than_cells_gives_no_figure(monkeypatch, capsys):
    _fake_runs(monkeypatch, kit=20.0, floor=10.0, missing=1)
    assert nbval_time.main([str(SMALLEST), str(SECOND)]) == 2
    out = capsys.readouterr().out
    assert "the floor run ran 1 tests, not one per code cell (2): no figure" in out and "nbval:" not in out


def test_a_real_run_times_the_kit_and_every_floor_notebook_under_nbval(monkeypatch, capsys):
    """Two notebooks, so two floor notebooks: each must be a test of its own.

    (The floor was once written outside the repository, where pytest names
    every floor notebook's cell ``::Cell 0``: xdist ran one of them.)
    """
    runs = []
    real = nbval_time.run_pytest

    def counted(paths, report, timeout=nbval_time.RUN_TIMEOUT):
        result = real(paths, report, timeout)
        runs.append((paths[0].name, sum(1 for _ in ElementTree.parse(report).iter("testcase"))))
        return result

    monkeypatch.setattr(nbval_time, "run_pytest", counted)
    assert nbval_time.main(["--target", "1000", str(SMALLEST), str(SECOND)]) == 0
    floor_tests = [count for name, count in runs if name.startswith("floor-")]
    assert floor_tests == [2], runs
    lines = capsys.readouterr().out.splitlines()
    assert re.fullmatch(r"nbval: kit \d+\.\d s, floor \d+\.\d s \(ratio \d+\.\d\d\)", lines[-1])
    assert any(line.split() == ["00-start-here.ipynb", line.split()[-1]] for line in lines)


# ------------------------------------------------------------------ nbval_repeat
def test_busy_processes_are_killed_however_the_block_ends():
    with pytest.raises(RuntimeError):
        with nbval_repeat.busy_processes(2) as spinners:
            assert all(spinner.poll() is None for spinner in spinners)
            raise RuntimeError("a run went wrong")
    assert len(spinners) == 2 and all(spinner.returncode is not None for spinner in spinners)


def test_the_spinners_stop_when_the_benchmark_is_killed_outright():
    """SIGKILL runs no ``finally``: each spinner notices its parent is gone (it once spun on for hours)."""
    psutil = pytest.importorskip("psutil")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\n"
         f"sys.path.insert(0, {str(ROOT / 'benchmarks')!r})\n"
         "import nbval_repeat\n"
         "with nbval_repeat.busy_processes(2) as spinners:\n"
         "    print(*(s.pid for s in spinners), flush=True)\n"
         "    time.sleep(60)\n"],
        stdout=subprocess.PIPE, text=True)
    try:
        pids = [int(pid) for pid in holder.stdout.readline().split()]
        assert len(pids) == 2 and all(psutil.pid_exists(pid) for pid in pids)
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()

    def stopped(pid: int) -> bool:
        try:
            return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return True

    assert wait_until(lambda: all(stopped(pid) for pid in pids), timeout=10), "a spinner outlived its benchmark"


def test_every_failure_of_every_run_is_printed(tmp_path, capsys):
    notebook = nbformat.v4.new_notebook(metadata=nbformat.read(SMALLEST, as_version=4).metadata)
    cell = nbformat.v4.new_code_cell('print("what runs")', execution_count=1)
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="what was saved\n")]
    notebook.cells = [cell]
    path = tmp_path / "mismatch.ipynb"
    nbformat.write(notebook, path)
    assert nbval_repeat.main(["--runs", "2", str(path)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines if line.startswith("run ")] == ["run 1", "run 2"]
    failed = [line for line in lines if line.strip().startswith("FAILED")]
    assert len(failed) == 2 and all("Cell 0" in line and "what was saved" in line for line in failed)
    assert not any("\x1b" in line or "#x1B" in line for line in failed), "no colour codes"
    assert lines[-1] == "repeat: 2 runs, 2 failures (load: 0 busy processes)"


# ------------------------------------------------------------------ kernels without ports
@pytest.mark.skipif(os.name != "posix", reason="ZeroMQ's ipc transport needs Unix sockets")
def test_nbvals_kernels_talk_over_unix_sockets_and_leave_none_behind():
    import nbval.kernel

    km, kc = nbval.kernel.start_new_kernel(kernel_name="python3")
    try:
        assert km.transport == "ipc" and os.path.isabs(km.ip)
        assert len(glob.glob(glob.escape(km.ip) + "-*")) == 5  # shell, iopub, stdin, heartbeat, control
        assert kc.execute_interactive("1 + 1", timeout=60)["content"]["status"] == "ok"
    finally:
        kc.stop_channels()
        km.shutdown_kernel()
    assert glob.glob(glob.escape(km.ip) + "-*") == []

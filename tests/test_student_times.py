"""instructors/student_times.py: students' working time per notebook, from JupyterLab's recorded cell timings.

The notebooks here are the kit's own notebook 02 with timestamps written into
their code cells the way JupyterLab writes them, so every expected minute is
computed from the timeline the test made.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sys

import nbformat
import pytest

from tests.tool_loading import load_script

ROOT = Path(__file__).resolve().parent.parent
times = load_script(ROOT / "instructors" / "student_times.py", "student_times")

NAME = "02-client-and-server.ipynb"
START = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)


def stamp(moment: datetime) -> str:
    """A start time as JupyterLab saves it: ISO 8601, UTC, with a Z."""
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def student_notebook(folder: Path, minutes_apart: float, pause_after: int | None = None,
                     pause_minutes: float = 0) -> list[str]:
    """Notebook 02 as a student saved it: code cell j last started at j * ``minutes_apart`` minutes.

    After code cell ``pause_after`` the student paused ``pause_minutes`` more. Returns the code cells' ids.
    """
    notebook = nbformat.read(ROOT / "notebooks" / NAME, as_version=4)
    moment, ids = START, []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        cell.metadata["execution"] = {"iopub.execute_input": stamp(moment),
                                      "shell.execute_reply": stamp(moment + timedelta(seconds=1))}
        ids.append(cell.id)
        moment += timedelta(minutes=minutes_apart)
        if pause_after is not None and len(ids) == pause_after + 1:
            moment += timedelta(minutes=pause_minutes)
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, folder / NAME)
    return ids


def test_working_time_sums_the_gaps_and_leaves_out_breaks(tmp_path):
    ids = student_notebook(tmp_path / "ada", 1)
    student_notebook(tmp_path / "bob", 2)
    student_notebook(tmp_path / "cy", 1, pause_after=5, pause_minutes=40)   # a 41-minute gap: a break
    found = times.collect([tmp_path])
    gaps = len(ids) - 1
    work = sorted(t.working_seconds() for t in found[NAME])
    assert work == [(gaps - 1) * 60, gaps * 60, gaps * 2 * 60]
    row = next(line for line in times.table(found).splitlines() if line.startswith("| 02 |"))
    cells = [part.strip() for part in row.strip("|").split("|")]
    assert cells[:5] == ["02", "3", "3", "0", f"{gaps} ({gaps - 1}-{2 * gaps})"]


def test_an_exercise_runs_from_the_cell_before_its_stub_to_its_check(tmp_path):
    ids = student_notebook(tmp_path / "ada", 3)
    [ask] = [e for e in times.EXERCISES[NAME] if e.name == "ask"]
    reached = ids.index(ask.stub) - 1
    expected = (ids.index(ask.check) - reached) * 3 * 60
    [timeline] = times.collect([tmp_path])[NAME]
    assert timeline.exercise_seconds(ask) == expected
    row = next(line for line in times.table(times.collect([tmp_path])).splitlines() if line.startswith("| 02 |"))
    assert f"ask {expected / 60:.0f} (1)" in row


def test_a_notebook_run_again_from_the_top_or_without_timings_gives_no_time(tmp_path):
    student_notebook(tmp_path / "ada", 1 / 60)          # every cell within a minute: Run All before handing in
    plain = nbformat.read(ROOT / "notebooks" / NAME, as_version=4)
    (tmp_path / "bob").mkdir()
    nbformat.write(plain, tmp_path / "bob" / NAME)      # recording was off
    found = times.collect([tmp_path])
    assert [t.rerun for t in found[NAME]] == [True, False]
    row = next(line for line in times.table(found).splitlines() if line.startswith("| 02 |"))
    assert [part.strip() for part in row.strip("|").split("|")][:5] == ["02", "2", "0", "1", "-"]


def test_bad_input_gets_one_line_and_no_traceback(tmp_path, capsys):
    assert times.main([str(tmp_path / "missing")]) == 2
    assert capsys.readouterr().err == f"student_times: no such folder: {tmp_path / 'missing'}\n"
    assert times.main([str(tmp_path), "--idle", "0"]) == 2
    assert capsys.readouterr().err == "student_times: --idle must be a number of minutes above 0, not 0\n"
    assert times.main([str(tmp_path)]) == 2
    assert "none of the kit's notebooks" in capsys.readouterr().err


def test_binder_turns_on_the_setting_jupyterlab_really_has():
    """The setting's name is checked against the installed JupyterLab's own schema, not typed from memory."""
    schema_file = next(Path(sys.prefix, "share", "jupyter", "lab", "schemas").glob(
        "@jupyterlab/notebook-extension/tracker.json"), None)
    if schema_file is None:
        pytest.skip("JupyterLab's schemas are not installed in this environment")
    properties = json.loads(schema_file.read_text(encoding="utf-8"))["properties"]
    assert properties["recordTiming"]["type"] == "boolean"
    overrides = json.loads((ROOT / "binder" / "overrides.json").read_text(encoding="utf-8"))
    assert overrides["@jupyterlab/notebook-extension:tracker"]["recordTiming"] is True

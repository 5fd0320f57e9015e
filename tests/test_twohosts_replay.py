"""Notebook 12 without root: the recording it replays, the replay itself, and the notebook run that way.

No root needed: these run everywhere. The recording is read with dpkt and
must hold what the notebook says about it; the notebook, executed in replay
mode, must print what its saved outputs (made live, as root) print, apart
from the one line per section that says it is a replay.
"""

from __future__ import annotations

import json
import re

import nbformat
import pytest
from nbclient import NotebookClient

from sockutil import replay
from sockutil.capture import Frame
from sockutil.netns import HostsError
from sockutil.replay import MODE_VARIABLE, RECORDING, Lab, _decode
from sockutil.twohosts import RealPoint, Transfer, exchange
from tests.twohosts_helpers import (
    EXCHANGE_FLAGS, NOTEBOOK, REPLY, REQUEST, by_dpkt, cells, resent_by_dpkt, tcp_frames,
)

pytestmark = pytest.mark.timeout(180)


def recorded() -> dict:
    return {key: _decode(entry["result"]) for key, entry in json.loads(RECORDING.read_text()).items()}


@pytest.fixture
def no_hosts(monkeypatch):
    monkeypatch.setattr(replay, "unavailable", lambda: "no root in this test")


# --- the recording ------------------------------------------------------------------------

def test_the_recording_has_every_experiment_the_notebook_measures():
    keys = re.findall(r'lab\.measure\("([^"]+)"', "\n".join(cells().values()))
    assert len(keys) == 5
    assert sorted(keys) == sorted(json.loads(RECORDING.read_text()))


def test_the_recording_holds_what_the_notebook_says_of_it():
    saved = recorded()
    exchanged = [by_dpkt(frame.data) for frame in tcp_frames(saved["one exchange"])]
    assert [tuple(name for name in ("SYN", "PSH", "FIN", "ACK") if name in seen["flags"]) for seen in exchanged] == [
        tuple(name for name in ("SYN", "PSH", "FIN", "ACK") if name in flags) for flags in EXCHANGE_FLAGS]
    assert exchanged[0]["options"]["MSS"] == 1460 and exchanged[0]["source_mac"] == "02:00:00:00:00:0a"
    for version, announced in (("IPv4", 1460), ("IPv6", 1440)):
        segments = [by_dpkt(frame.data) for frame in tcp_frames(saved["the MSS"][version])]
        assert segments[0]["options"]["MSS"] == announced
        assert max(s["data_length"] for s in segments) == announced - 12
    lossy = saved["a lossy transfer"]
    done = lossy["transfer"]
    assert isinstance(done, Transfer) and done.exact and done.received == done.sent == 256_000
    assert lossy["dropped"] > 0 and done.retransmitted == resent_by_dpkt(done.frames, 5001) > 0
    points = saved["goodput against loss"]
    assert all(isinstance(p, RealPoint) and p.exact and len(p.goodputs) == 6 for p in points)
    assert [p.loss for p in points] == [0, 0.01, 0.02, 0.05, 0.1, 0.2]
    assert saved["look around"]["elsewhere"] == "Network is unreachable"


# --- the replay -------------------------------------------------------------------------

def test_without_hosts_the_lab_replays_and_says_so(no_hosts, capsys):
    lab = Lab()
    assert not lab.live and "no root in this test" in repr(lab) and "data/12-two-hosts.json" in repr(lab)
    frames = lab.measure("one exchange", exchange, REQUEST, REPLY)
    assert capsys.readouterr().out == "(No two hosts here: replaying 'one exchange' as a run with root recorded it.)\n"
    assert all(isinstance(frame, Frame) for frame in frames) and frames[0].time == 0.0


def test_a_replay_refuses_what_was_not_recorded(no_hosts):
    lab = Lab()
    with pytest.raises(HostsError, match="has no experiment 'something else'"):
        lab.measure("something else", exchange, REQUEST, REPLY)
    with pytest.raises(HostsError, match="made with other arguments"):
        lab.measure("one exchange", exchange, REQUEST, b"another reply")


def test_the_mode_variable_asks_for_the_replay(monkeypatch):
    monkeypatch.setenv(MODE_VARIABLE, "replay")
    assert not Lab().live


class FakeHosts:
    """Stands in for TwoHosts where the recording itself is tested: no namespace is made."""

    def __init__(self, label: str) -> None:
        self.label = label

    def __enter__(self) -> "FakeHosts":
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def test_results_come_back_from_a_recording_as_they_were(monkeypatch, tmp_path):
    monkeypatch.setattr(replay, "unavailable", lambda: None)
    monkeypatch.setattr(replay, "TwoHosts", FakeHosts)
    frames = [Frame(100.5, True, b"\x02" * 20), Frame(100.75, False, b"\x03" * 30)]
    result = {
        "frames": frames,
        "transfer": Transfer(10, 10, True, 0.5, 2, 1, 0, frames),
        "points": [RealPoint(0.1, [1.5, 2.5], [3, 4], [0, 1], [1, 0], [0.01, 0.3], [3, 3], True)],
        "raw": b"\x00\xff",
        "numbers": [1, 2.5, "three", None],
    }

    def experiment(hosts, size):
        assert isinstance(hosts, FakeHosts) and size == 7
        return result

    path = tmp_path / "recording.json"
    live = Lab(recording=path, record_to=path).measure("it", experiment, 7)
    assert live["frames"] == [Frame(0.0, True, b"\x02" * 20), Frame(0.25, False, b"\x03" * 30)]
    monkeypatch.setattr(replay, "unavailable", lambda: "replaying")
    replayed = Lab(recording=path).measure("it", experiment, 7)
    assert replayed == live


# --- the notebook, run without hosts ----------------------------------------------------

def test_the_worked_solution_is_notebook_03s():
    ours = cells()["t12-solution"]
    theirs = {cell.id: cell.source for cell in nbformat.read(NOTEBOOK.parent / "03-layers.ipynb", as_version=4).cells}
    assert ours == theirs["c042"]


def _printed(nb: nbformat.NotebookNode) -> dict[str, str]:
    return {cell.id: "".join(out.get("text", "") for out in cell.outputs if out.output_type == "stream")
            for cell in nb.cells if cell.cell_type == "code"}


def test_replayed_the_notebook_prints_what_it_printed_live(monkeypatch):
    """Every cell runs without an error, and prints the saved (live) text but for the replay's own lines."""
    monkeypatch.setenv(MODE_VARIABLE, "replay")
    saved = nbformat.read(NOTEBOOK, as_version=4)
    fresh = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(fresh, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    assert not [cell.id for cell in fresh.cells if cell.cell_type == "code"
                and any(out.output_type == "error" for out in cell.outputs)]
    live, replayed = _printed(saved), _printed(fresh)
    notes = {cell: [line for line in text.splitlines() if line.startswith("(No two hosts here: replaying")]
             for cell, text in replayed.items()}
    assert sum(len(lines) for lines in notes.values()) == 5
    assert replayed["t12-lab"].startswith("No two hosts here:")
    for cell, text in live.items():
        if cell == "t12-lab":
            continue
        kept = "\n".join(line for line in replayed[cell].splitlines() if line not in notes[cell])
        assert kept == text.rstrip("\n"), cell
    drawn = {cell.id for cell in fresh.cells if cell.cell_type == "code"
             and any("image/png" in out.get("data", {}) for out in cell.outputs)}
    saved_figures = {cell.id for cell in saved.cells if cell.cell_type == "code"
                     and any("image/png" in out.get("data", {}) for out in cell.outputs)}
    assert saved_figures and drawn == saved_figures, "every figure of the live run is drawn from the recording"

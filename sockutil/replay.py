"""A lab that runs notebook 12's experiments on two fresh hosts with root, and replays a recording without.

Why: a notebook must run without root too (on Binder, or a laptop without
sudo), where no namespace can be made. ``Lab.measure(key, experiment, *args)``
runs ``experiment(hosts, *args)`` on two fresh hosts (removed after it) when
it can, and otherwise returns what a run with root recorded under ``key``
(``RECORDING``), printing one line that says so. The experiment is any
function of the hosts, the notebook's own included, so the notebook shows
the code that really ran.

Results are saved as JSON: numbers, text, lists and dicts as they are;
bytes, frames (``capture.Frame``), transfers and sweep points tagged so that
they come back as themselves. Frames' times are kept relative to the first
frame of their list: the wall-clock time means nothing to a replay.

Recording is a maintainer's step: with ``SOCKUTIL_RECORD`` naming a file,
every live experiment is also written there (an absolute path: the kernel
runs in the notebook's folder), e.g.

    sudo SOCKUTIL_RECORD="$PWD/notebooks/data/12-two-hosts.json" \
        .venv/bin/python tools/refresh_notebooks.py --no-nav notebooks/12-two-hosts.ipynb

A replay of an experiment the recording lacks, or of one made with other
arguments, fails with a clear message rather than show something else.
``SOCKUTIL_TWO_HOSTS=replay`` replays even where the hosts could be made.
"""

from __future__ import annotations

import json
import os
from dataclasses import fields
from pathlib import Path
from typing import Any, Callable

from .capture import Frame
from .netns import HostsError, TwoHosts, unavailable
from .twohosts import RealPoint, Transfer

__all__ = ["Lab", "RECORDING"]

#: Set to "replay" to replay even with root (to see what a student without root sees; the tests do).
MODE_VARIABLE = "SOCKUTIL_TWO_HOSTS"
#: The recording a notebook replays without root (written by a run with root: see above).
RECORDING = Path(__file__).resolve().parent.parent / "notebooks" / "data" / "12-two-hosts.json"



def _encode(value: Any) -> Any:
    """JSON for results: frames, transfers and sweep points are tagged so they come back as themselves."""
    if isinstance(value, Frame):
        return {"frame": [round(value.time, 6), value.outgoing, value.data.hex()]}
    if isinstance(value, (Transfer, RealPoint)):
        return {type(value).__name__: {f.name: _encode(getattr(value, f.name)) for f in fields(value)}}
    if isinstance(value, bytes):
        return {"bytes": value.hex()}
    if isinstance(value, (list, tuple)):
        return [_encode(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _encode(item) for key, item in value.items()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(item) for item in value]
    if isinstance(value, dict):
        if set(value) == {"frame"}:
            time_, outgoing, data = value["frame"]
            return Frame(time_, outgoing, bytes.fromhex(data))
        if set(value) == {"bytes"}:
            return bytes.fromhex(value["bytes"])
        if set(value) == {"Transfer"}:
            return Transfer(**{k: _decode(v) for k, v in value["Transfer"].items()})
        if set(value) == {"RealPoint"}:
            return RealPoint(**value["RealPoint"])
        return {key: _decode(item) for key, item in value.items()}
    return value


def _relative_times(value: Any, start: float | None = None) -> Any:
    """Frames' times counted from the first frame of their list (the recording keeps no wall-clock time)."""
    if isinstance(value, list) and value and all(isinstance(item, Frame) for item in value):
        first = value[0].time if start is None else start
        return [Frame(frame.time - first, frame.outgoing, frame.data) for frame in value]
    if isinstance(value, list):
        return [_relative_times(item) for item in value]
    if isinstance(value, dict):
        return {key: _relative_times(item) for key, item in value.items()}
    if isinstance(value, Transfer):
        return Transfer(**{**value.__dict__, "frames": _relative_times(value.frames)})
    return value


class Lab:
    """Experiments on two fresh hosts each time with root; without root, a recorded run with root, replayed."""

    def __init__(self, recording: Path | str = RECORDING, record_to: Path | str | None = None) -> None:
        asked = os.environ.get(MODE_VARIABLE) == "replay"
        self.reason = f"{MODE_VARIABLE}=replay asks for the recording" if asked else unavailable()
        self.live = self.reason is None
        self.recording = Path(recording)
        if recording == RECORDING and not self.recording.exists():
            self.recording = Path("data") / RECORDING.name  # the kit installed elsewhere: beside the notebook
        target = record_to if record_to is not None else os.environ.get("SOCKUTIL_RECORD")
        self.record_to = Path(target) if target and self.live else None

    def __repr__(self) -> str:
        if self.live:
            return "Two hosts, made fresh for each experiment below and removed after it (root on Linux)."
        return (f"No two hosts here: {self.reason}. Each experiment below replays a run with root, "
                f"recorded in {self.recording.parent.name}/{self.recording.name}.")

    def measure(self, key: str, experiment: Callable[..., Any], *args: Any) -> Any:
        """``experiment(hosts, *args)`` on two fresh hosts (removed after it), or its recorded result."""
        called = f"{getattr(experiment, '__name__', 'experiment')}{tuple(_encode(list(args)))!r}"
        if not self.live:
            return self._replay(key, called)
        with TwoHosts("lab") as hosts:
            result = _relative_times(experiment(hosts, *args))
        if self.record_to is not None:
            self._record(key, called, result)
        return result

    def _load(self, path: Path) -> dict[str, Any]:
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as error:
            raise HostsError(f"cannot read the recording {path}: {error}") from error

    def _replay(self, key: str, called: str) -> Any:
        entry = self._load(self.recording).get(key)
        if entry is None:
            raise HostsError(f"the recording {self.recording.name} has no experiment {key!r}: "
                             f"run this notebook with root to see it live")
        if entry["called"] != called:
            raise HostsError(f"the recording of {key!r} was made with other arguments "
                             f"({entry['called']}, not {called}): run this notebook with root to see it live")
        print(f"(No two hosts here: replaying {key!r} as a run with root recorded it.)")
        return _decode(entry["result"])

    def _record(self, key: str, called: str, result: Any) -> None:
        assert self.record_to is not None
        saved = self._load(self.record_to)
        saved[key] = {"called": called, "result": _encode(result)}
        self.record_to.parent.mkdir(parents=True, exist_ok=True)
        self.record_to.write_text(json.dumps(saved, indent=1, sort_keys=True) + "\n", encoding="utf-8")

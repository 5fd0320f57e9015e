"""The many-clients panel: N clients at once against each concurrency model, and when each finished.

Why the panel wraps each model: a race can last many seconds (twenty
clients queued behind an iterative server that works 500 ms on each), and
closing the panel must not wait for it. The panel hands the race a model
whose ``stop`` it also keeps (``Job.adopt``); closing the panel stops the
model's server, which ends the race's clients at once, and the run's results
are dropped. ``stop_once`` makes that stop safe to call again from the race.

A race reports one entry per client: its completion time in seconds, or,
for a client that failed, ``None``, ``math.inf`` or the exception it met.
The panel shows failures as failures, with their reason in words, never as
a (long) time.
"""

from __future__ import annotations

import html
import math
import threading
from typing import Any, Callable, Iterable, Mapping

import ipywidgets as w

from ..concurrency import ClientsFailedError
from ..errors import describe_error
from .base import Job, Panel, error_html, figure_view, number_field, picture, plots, stop_once

__all__ = ["ManyClients", "split_results"]

#: Seconds ``run(wait=True)`` waits for a run: 20 clients behind an iterative
#: server working 500 ms each take 10 s, and there are three models.
WAIT_FOR_RUN = 60.0


def split_results(results: Iterable[Any]) -> tuple[list[float], list[str]]:
    """The completion times of the clients that finished, and a reason for each that failed."""
    times: list[float] = []
    failures: list[str] = []
    for result in results:
        if isinstance(result, BaseException):
            failures.append(describe_error(result))
        elif isinstance(result, str):  # a failed client's reason, in words
            failures.append(result)
        elif isinstance(result, (int, float)) and not isinstance(result, bool) and math.isfinite(result):
            times.append(float(result))
        else:
            failures.append("no answer")
    return times, failures


def _result_line(model: str, times: list[float], failures: list[str]) -> str:
    name = html.escape(model)
    total = len(times) + len(failures)
    reasons = ", ".join(dict.fromkeys(failures))  # each reason once, in order of appearance
    if not times:
        return f"{name}: {error_html(f'all {total} clients failed')} ({html.escape(reasons)})"
    line = f"{name}: last client done after <b>{max(times):.2f} s</b>"
    if failures:
        line += f"; {error_html(f'{len(failures)} of {total} clients failed')} ({html.escape(reasons)})"
    return line


class ManyClients(Panel):
    """Start N clients against a server of each concurrency model and plot their completion times.

    ``models`` maps a name to a model ``start(work) -> (port, stop)`` (see
    ``sockutil.concurrency`` for the ready-made ones). ``race(model, clients,
    work)`` runs one race (default: ``sockutil.concurrency.race``) and returns
    one entry per client, as described in the module docstring.
    """

    kind = "ManyClients"

    def __init__(self, models: Mapping[str, Callable] | None = None, name: str = "many-clients",
                 race: Callable[..., Iterable[Any]] | None = None) -> None:
        from .. import concurrency

        self.models = dict(models or concurrency.MODELS)
        self._race = race
        self.clients = number_field(6, 1, 20, "clients", "how many clients connect at once")
        self.work = number_field(100, 0, 500, "work (ms)", "milliseconds the server works on each request",
                                 step=10)
        self.choice = w.SelectMultiple(options=list(self.models), value=list(self.models),
                                       description="models", rows=min(4, len(self.models)),
                                       tooltip="the server models to race (Ctrl or Shift to choose several)")
        self.run_button = w.Button(description="Run", button_style="primary", icon="play",
                                   tooltip="race the clients against each chosen model")
        self.result = w.HTML(value="press Run")
        self.image = figure_view()
        self.run_button.on_click(lambda _: self.run())
        self._thread: threading.Thread | None = None
        self._job: Job | None = None
        self.last_times: dict[str, list[float]] = {}
        super().__init__(name, [
            w.HTML("<b>Many clients</b>: each client sends one request; the server spends "
                   "<i>work</i> ms on each before answering."),
            w.HBox([self.clients, self.work]),
            w.HBox([self.choice, self.run_button]),
            self.result,
            self.image,
        ])
        self.add_class("sockutil-many-clients")

    def describe(self) -> str:
        return f"{len(self.models)} server models, press Run"

    def run(self, wait: bool = False) -> None:
        """Race in a background thread; ``wait=True`` blocks until done (tests)."""
        self._cancel()
        job = self._job = Job()
        self.run_button.disabled = True
        self.result.value = "running ..."
        self._thread = threading.Thread(target=self._run, args=(job,), name=f"sockutil-many:{self.panel_name}",
                                        daemon=True)
        self._thread.start()
        if wait:
            self._thread.join(WAIT_FOR_RUN)

    def _race_function(self) -> Callable[..., Iterable[Any]]:
        if self._race is not None:
            return self._race
        from .. import concurrency

        return concurrency.race

    def _watched(self, model: Callable, job: Job) -> Callable:
        """``model`` whose server the job can stop (closing the panel ends the race at once)."""

        def start(work: float) -> tuple[int, Callable[[], None]]:
            port, stop = model(work)
            stop = stop_once(stop)
            job.adopt(stop)  # stops it at once if the panel closed meanwhile
            return port, stop

        return start

    def _run(self, job: Job) -> None:
        race = self._race_function()
        times: dict[str, list[float]] = {}
        lines = []
        for model in self.choice.value:
            if job.cancelled:
                return
            try:
                results = race(self._watched(self.models[model], job), self.clients.value, self.work.value / 1000)
            except ClientsFailedError as error:  # some clients failed: show them beside the others
                results = [error.failures.get(index, "no answer") if time is None else time
                           for index, time in enumerate(error.times)]
            except Exception as error:  # noqa: BLE001 - shown in the panel, never on stderr
                lines.append(f"{html.escape(model)}: {error_html(f'failed ({describe_error(error)})')}")
                continue
            finished, failures = split_results(results)
            if finished:
                times[model] = finished
            lines.append(_result_line(model, finished, failures))
        if job.cancelled:
            return
        image = picture(lambda: plots().completion_times(times)) if times else None

        def show() -> None:
            self.last_times = times
            self.result.value = "<br>".join(lines) or "choose at least one model"
            if image is not None:
                self.image.value = image
                self.image.layout.display = None
            self.run_button.disabled = False

        job.publish(show)

    def _cancel(self) -> bool:
        job, self._job = self._job, None
        return job is not None and job.cancel()

    def _stop_everything(self) -> None:
        if self._cancel():
            self.result.value = "stopped before the end: press Run"
        self.run_button.disabled = False

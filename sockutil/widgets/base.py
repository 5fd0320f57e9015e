"""What every panel shares: a registry by name, a live log, cancellable background runs, PNG figures.

Why a registry: re-running a notebook cell creates a new panel, but the old
one lives on (its buttons and threads hold it), with its servers still
running. Registering panels by name lets the new panel close the old one, so
a cell can be run twice. ``close_all_panels`` stops them all at kernel exit.

Why names for everything: a screen reader announces a control by its
accessible name, and WCAG 2.1 (4.1.2) asks every control for one. Every
input and button here has a visible ``description`` (ipywidgets renders it as
the input's ``<label>``, or as the button's text) and a ``tooltip`` that says
what it does. A panel's figure is an ``<img>`` with its text alternative as
``alt``, and below it the whole text equivalent (what it shows, and its
numbers) behind a "The figure in words" disclosure. (Not an ``Image``
widget: ipywidgets 8.1's view sets no ``title`` from an Image's tooltip, as
it reads a description that Image lacks, so its ``<img>`` stays nameless.)
Sliders are not used: the
handle ipywidgets 8 draws (noUiSlider, ``role="slider"``) gets no accessible
name from the description, so the panels take numbers in labelled number
fields instead. A log that may scroll can be focused with the keyboard
(``tabindex``), so it can be scrolled without a mouse (WCAG 2.1.1).

Why ``Job``: a panel's Run button starts work in a thread that may last
seconds (a slow sender, a race of many clients). Closing the panel must not
wait for it. Instead the run registers a ``stop`` for each server it starts
(``adopt``), closing the panel calls them all (``cancel``), which ends the
run's clients at once, and the run shows its results only through
``publish``, which does nothing once the run is cancelled. The check and the
writes happen under one lock, so a run never shows results after its panel
said it stopped.
"""

from __future__ import annotations

import atexit
import base64
import html
import io
import threading
from collections import deque
from typing import Callable, Iterable, Sequence

import ipywidgets as w

__all__ = ["LOG_LINES", "Panel", "LiveLog", "Job", "close_all_panels", "log_html", "picture", "stop_once",
           "error_html", "number_field", "figure_view"]

#: How many lines a panel's live log shows (older lines scroll away).
LOG_LINES = 12

_PANELS: dict[str, "Panel"] = {}
_PANELS_LOCK = threading.Lock()


def log_html(lines: Iterable[str], label: str = "log") -> str:
    """The last ``LOG_LINES`` lines as a small scrolling block of preformatted text.

    The block is a named ``log`` region that the keyboard can reach (it may scroll).
    """
    shown = list(lines)[-LOG_LINES:]
    body = "\n".join(html.escape(line) for line in shown) or "(nothing yet)"
    return (
        f"<pre tabindex='0' role='log' aria-label='{html.escape(label, quote=True)}' "
        "style='margin:0;max-height:16em;overflow:auto;font-size:12px;"
        f"background:#f7f7f7;padding:4px'>{body}</pre>"
    )


def number_field(value: int, low: int, high: int, description: str, tooltip: str,
                 step: int = 1) -> w.BoundedIntText:
    """A labelled whole-number input (``<label>`` + ``<input type=number>``): named for screen readers,
    changed by typing or the arrow keys."""
    return w.BoundedIntText(value=value, min=low, max=high, step=step, description=description,
                            tooltip=tooltip, style={"description_width": "initial"},
                            layout=w.Layout(width="15em"))


def error_html(text: str) -> str:
    """Text shown in red: something went wrong, said in words."""
    return f"<span style='color:#b00'>{html.escape(text)}</span>"


class LiveLog:
    """A log view that any thread may add lines to; lines show in the order they were added.

    The lines and the widget are updated under one lock: two threads adding
    at once can never leave the view showing the older of the two texts.
    """

    def __init__(self, label: str = "log") -> None:
        self.label = label
        self.view = w.HTML(value=log_html([], label))
        self._lines: deque[str] = deque(maxlen=LOG_LINES)
        self._lock = threading.Lock()

    def add(self, line: str) -> None:
        with self._lock:
            self._lines.append(line)
            self.view.value = log_html(self._lines, self.label)


class Panel(w.VBox):
    """Shared plumbing: a name registry, a stable text form, and shutdown.

    A subclass sets ``kind``, overrides ``describe`` (its text form) and
    ``_stop_everything`` (stop what it started, without waiting for runs to
    end on their own).
    """

    kind = "Panel"

    def __init__(self, name: str, children: Sequence[w.Widget]) -> None:
        super().__init__(children=list(children))
        self.panel_name = name
        with _PANELS_LOCK:
            old = _PANELS.get(name)
            _PANELS[name] = self
        if old is not None and old is not self:
            old.shutdown()

    def describe(self) -> str:  # pragma: no cover - overridden
        return ""

    def __repr__(self) -> str:
        return f"{self.kind} {self.panel_name!r}: {self.describe()}"

    def shutdown(self) -> None:
        """Stop whatever this panel started and close its views."""
        self._stop_everything()
        with _PANELS_LOCK:
            if _PANELS.get(self.panel_name) is self:
                del _PANELS[self.panel_name]
        self.close()

    def _stop_everything(self) -> None:  # pragma: no cover - overridden
        pass


def close_all_panels() -> None:
    """Stop every panel's servers and clients (also run when the kernel exits)."""
    with _PANELS_LOCK:
        panels = list(_PANELS.values())
    for panel in panels:
        panel._stop_everything()


atexit.register(close_all_panels)


def stop_once(stop: Callable[[], None]) -> Callable[[], None]:
    """``stop`` made safe to call twice and from two threads: the second call waits for the first."""
    lock = threading.Lock()
    done = False

    def stop_it() -> None:
        nonlocal done
        with lock:
            if not done:
                done = True
                stop()

    return stop_it


class Job:
    """One background run of a panel, which the panel can cancel at any moment (see the module doc)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cancelled = False
        self._shown = False
        self._stops: list[Callable[[], None]] = []

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def adopt(self, stop: Callable[[], None]) -> bool:
        """Register ``stop`` for something the run just started; if already cancelled, stop it now.

        Returns False when the run was cancelled (the caller should end).
        """
        with self._lock:
            if not self._cancelled:
                self._stops.append(stop)
                return True
        stop()
        return False

    def cancel(self) -> bool:
        """Drop the run's results and stop what it started, without waiting for the run to end.

        Returns whether the run was still under way (not yet shown, not cancelled before).
        """
        with self._lock:
            under_way = not (self._cancelled or self._shown)
            self._cancelled = True
            stops, self._stops = self._stops, []
        for stop in stops:
            stop()
        return under_way

    def publish(self, show: Callable[[], None]) -> bool:
        """Call ``show`` (which sets the panel's widgets) unless the run was cancelled."""
        with self._lock:
            if self._cancelled:
                return False
            self._shown = True
            show()
            return True


def figure_view() -> w.HTML:
    """Where a panel shows its figure: hidden until the first one is drawn."""
    return w.HTML(layout=w.Layout(display="none"))


def picture(make_figure: Callable) -> str:
    """Draw a figure from ``sockutil.plots`` as HTML: the PNG with its ``alt``, then its text equivalent.

    The text equivalent sits in a ``<details>`` block, closed, so it costs
    no room until someone opens it (a screen reader announces it as a
    disclosure button).
    """
    figure = make_figure()
    text = plots().text_of(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (
        f"<img src='data:image/png;base64,{data}' alt='{html.escape(text.alt, quote=True)}'>"
        "<details><summary>The figure in words</summary>"
        f"<pre style='white-space:pre-wrap;font-size:12px'>{html.escape(str(text))}</pre></details>"
    )


def plots():
    """``sockutil.plots``, imported when a panel first draws (matplotlib is slow to import)."""
    from .. import plots as figures

    return figures

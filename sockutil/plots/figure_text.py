"""A figure's text equivalent: what it shows, in words, and the numbers it is drawn from.

Why: WCAG 2.1 (success criterion 1.1.1) asks every picture for a text
alternative that serves the same purpose. For a chart that means two things:
a sentence saying how to read it and what it shows, and the data behind it,
so that a student who cannot see the picture (or wants the exact values) can
read the same lesson from text. Every function in ``sockutil.plots`` has a
twin of the same name in ``sockutil.plots.describe`` that takes the same
arguments and returns a ``FigureText``; the drawing function attaches that
same text to the figure it returns (``text_of(figure)``).

Where the text goes:

* a notebook prints it in a cell beside the figure (``print(describe.ladder(run))``);
* the figure's output carries it as ``alt`` metadata of its ``image/png``,
  the place ``IPython.display.Image(alt=...)`` uses, so the saved notebook
  holds the description with the picture. (JupyterLab 4.6 and nbconvert 7
  do not turn that metadata into an ``alt`` attribute yet; the printed text
  is what reaches a reader today.)
* a panel's figure (``sockutil.widgets``) is an ``<img>`` with ``alt`` as
  its ``alt`` attribute, and the whole text in a disclosure below it.

``what`` never depends on measured values, so a notebook can print it
where the numbers change from run to run (times, how ``recv`` cut a stream)
and print relations instead of those numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, Sequence

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

__all__ = ["FigureText", "finish", "text_of"]

#: Rows ``str(text)`` shows; ``text.table()`` always shows them all. Enough
#: for every figure of the notebooks (the longest, 07's time-sequence graph,
#: has 68), few enough that a figure of a huge run cannot flood a cell.
ROWS_SHOWN = 100


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@dataclass(frozen=True)
class FigureText:
    """A figure in words (``what``, ``findings``) and in numbers (``columns``, ``rows``)."""

    title: str
    #: how to read the figure: axes, shapes, line styles. Never a measured value.
    what: str
    #: what it shows, with its numbers: one sentence each
    findings: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[Any, ...], ...] = ()

    def column(self, name: str) -> list[Any]:
        """The values of one column, in row order."""
        try:
            index = self.columns.index(name)
        except ValueError:
            raise KeyError(f"no column {name!r}; the columns are {', '.join(self.columns)}") from None
        return [row[index] for row in self.rows]

    def table(self, limit: int | None = None) -> str:
        """The numbers as a plain-text table, columns aligned, one row per line."""
        if not self.columns:
            return ""
        shown = self.rows if limit is None else self.rows[:limit]
        cells = [[_cell(v) for v in row] for row in shown]
        widths = [max([len(name)] + [len(row[i]) for row in cells]) for i, name in enumerate(self.columns)]
        lines = ["  ".join(name.ljust(width) for name, width in zip(self.columns, widths)).rstrip()]
        lines += ["  ".join(v.ljust(width) for v, width in zip(row, widths)).rstrip() for row in cells]
        if len(shown) < len(self.rows):
            lines.append(f"... and {len(self.rows) - len(shown)} more rows (text.table() shows them all)")
        return "\n".join(lines)

    @property
    def alt(self) -> str:
        """A short text alternative for the picture: its title, how to read it, and the findings."""
        return " ".join([f"{self.title}.", self.what, *self.findings])

    def __str__(self) -> str:
        parts = [self.title, self.what]
        parts += self.findings
        table = self.table(ROWS_SHOWN)
        return "\n".join(parts) + (f"\n\n{table}" if table else "")


def _alt_metadata(alt: str, include: Sequence[str] | None = None,
                  exclude: Sequence[str] | None = None) -> tuple[dict, dict]:
    """No data of its own (IPython's inline backend still draws the PNG); only the PNG's ``alt``."""
    return {}, {"image/png": {"alt": alt}}


def finish(fig: Figure, text: FigureText, rect: tuple[float, float, float, float] | None = None) -> Figure:
    """Lay the figure out (within ``rect``, if given), close it in pyplot (a cell shows it once),
    and attach its text."""
    fig.tight_layout(rect=rect)
    plt.close(fig)  # shown once, by the cell's result, not again by pyplot
    fig.text_equivalent = text
    # IPython asks an object's _repr_mimebundle_ first and keeps its metadata,
    # then fills image/png and text/plain from the inline backend as usual.
    fig._repr_mimebundle_ = partial(_alt_metadata, text.alt)
    return fig


def text_of(fig: Figure) -> FigureText:
    """The text equivalent that a ``sockutil.plots`` function attached to its figure."""
    try:
        return fig.text_equivalent
    except AttributeError:
        raise TypeError("this figure was not drawn by sockutil.plots: it has no text equivalent") from None

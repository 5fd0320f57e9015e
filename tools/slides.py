"""Give the course notebooks their slide metadata, by rules: present the questions, the key demos and the key points.

Why: an instructor lectures from the same notebooks the students work
through, with the RISE extension for JupyterLab (``jupyterlab-rise``), which
turns a notebook into reveal.js slides from each cell's
``metadata.slideshow.slide_type``. Typed by hand into 13 notebooks of
30 to 120 cells, those types would drift as the notebooks change; set by
rules from what a cell *is*, they are the same on every run and follow every
edit: run this tool again after changing a notebook (``--check`` says whether
one needs it). Only metadata is written: no cell's source or outputs change,
so nbval, which compares each cell's outputs and reads no metadata but its own
markers and tags, compares exactly what it compared before.

The rules, first match wins, and why:

* **navigation** (a markdown cell starting ``<!-- nav -->``): ``skip``. Links
  between notebooks are for reading; on a projector they are noise.
* **solutions** (tagged ``solution``, or nbgrader ``solution: true``, and the
  markdown that introduces them): ``skip``. An answer must never be projected
  while students still work on the exercise.
* **self-checks** (nbgrader ``grade: true``): ``skip``. Their output is the
  verdict on the worked solution, which the slides do not show either.
* **the title cell** (it holds the notebook's ``# `` title, its Questions and
  Objectives) and **every cell holding a ``## `` heading** (a section, an
  exercise, the Key points): ``slide``. Sections read left to right as the
  lecture's outline; the first slide asks the questions, the last one answers
  them with the key points. A cell that holds the heading in its middle (a
  closing remark, then the next section) still starts that section's slide.
* **a cell holding only ``### `` headings** (a subsection): ``subslide``, a
  vertical slide below its section.
* **the rest of an exercise's statement** (markdown cells nbgrader locks as
  a statement, after the one with the heading): ``subslide``, so the task is
  on screen whole when the instructor sets it.
* **the key demos**, code cells with saved outputs: in each section (or
  subsection), the *first* code cell whose run shows something, which is the
  demo the section opens with; and every cell that shows a **figure**
  (``image/png``) or a **live panel** (a widget): ``subslide``, each demo on a
  slide of its own, its code above its output. Not demos: a **set-up** cell
  (imports, and at most ``print`` calls, such as "ready"), and the code of
  the sections that close a notebook (**Key points**, **Cleaning up**), which
  stops servers and removes files. Nor is a code cell that comes after a
  worked solution in its section: it runs the solution, and its output
  would give the answer away.
* **other markdown** (the prose that explains): ``notes``. It stays at hand
  in RISE's speaker view (key ``t``) and off the screen.
* **other code cells** (set-up, further demos, clean-up, exercise stubs):
  ``skip``. They still run when the instructor runs the notebook before
  presenting (Run → Run All Cells), so every shown demo has what it needs.

The notebook itself gets ``metadata.rise``, which RISE reads over its
settings: ``scroll``, so that a slide taller than the screen (a title with
its Questions and Objectives, a long exercise) scrolls instead of being cut
off; and the ``white`` theme, reveal.js's light theme whose font ships with
RISE (the default theme, ``simple``, fetches its fonts from Google Fonts: a
classroom without the internet would get other fonts, or wait for them);
and no ``transition``: the next slide appears at once instead of sliding
in, which is calmer on a projector and spares viewers whom motion troubles
(WCAG 2.3.3, animation from interactions).

    python tools/slides.py            # write the metadata into every notebook
    python tools/slides.py --check    # change nothing; exit 1 if a notebook differs from the rules
    python tools/slides.py notebooks/06-byte-streams.ipynb
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from collections.abc import Iterable
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"

#: The marker of the navigation cells that tools/refresh_notebooks.py writes.
NAV_MARKER = "<!-- nav -->"
#: The tag on worked solutions and the markdown that introduces them (tools/student_edition.py).
SOLUTION_TAG = "solution"
#: Output MIME types that make a code cell a key demo wherever it is: a figure, a live panel.
FIGURE = "image/png"
PANEL = "application/vnd.jupyter.widget-view+json"
#: RISE's notebook settings, read over the user's: a tall slide scrolls rather than being cut off; a light
#: theme whose font ships with RISE (the default, "simple", loads Google Fonts from the internet); no motion.
RISE_SETTINGS = {"scroll": True, "theme": "white", "transition": "none"}
#: Headings of the sections that close a notebook: their code is housekeeping, never a demo.
CLOSING_SECTIONS = ("Key points", "Cleaning up")
#: The slide types RISE understands ("-" continues the current slide; the rules never need it).
SLIDE_TYPES = ("slide", "subslide", "fragment", "-", "skip", "notes")

_FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", flags=re.M | re.S)
_HEADING = re.compile(r"^(#{1,6}) (\S.*?)\s*$", flags=re.M)


def headings(markdown: str) -> list[tuple[int, str]]:
    """The (level, text) of the headings in a markdown text, in order, not counting lines inside fenced code."""
    return [(len(match.group(1)), match.group(2)) for match in _HEADING.finditer(_FENCE.sub("", markdown))]


def heading_levels(markdown: str) -> set[int]:
    return {level for level, _ in headings(markdown)}


def is_solution(cell: nbformat.NotebookNode) -> bool:
    return SOLUTION_TAG in cell.metadata.get("tags", []) or bool(cell.metadata.get("nbgrader", {}).get("solution"))


def is_check(cell: nbformat.NotebookNode) -> bool:
    return bool(cell.metadata.get("nbgrader", {}).get("grade"))


def is_statement(cell: nbformat.NotebookNode) -> bool:
    """A cell nbgrader locks as part of an exercise's statement (tools/nbgrader_cells.py)."""
    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
    return "_statement" in grade_id


def is_setup(source: str) -> bool:
    """Whether a code cell only sets up: imports, and perhaps ``print(...)`` calls ("ready")."""
    try:
        tree = compile(source, "<cell>", "exec", flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    except SyntaxError:  # IPython syntax (magics, ``!``): not plain set-up
        return False
    imports = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    return bool(imports) and all(
        node in imports
        or (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name) and node.value.func.id == "print")
        for node in tree.body)


def shows(cell: nbformat.NotebookNode) -> set[str]:
    """What a code cell's saved outputs show: MIME types, plus "text" for printed text and errors."""
    kinds: set[str] = set()
    for output in cell.get("outputs", []):
        if output.get("output_type") in ("stream", "error"):
            kinds.add("text")
        kinds.update(output.get("data", {}))
    return kinds


def slide_types(nb: nbformat.NotebookNode) -> list[str]:
    """The slide type of every cell of ``nb``, by the rules of the module's docstring."""
    types: list[str] = []
    demo_shown = False  # has the current section (or subsection) shown its opening demo yet?
    closing = False     # are we in a section that closes the notebook (no demos there)?
    answered = False    # has the current section shown a worked solution (its later code runs it)?
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            levels = heading_levels(cell.source)
            if cell.source.startswith(NAV_MARKER) or is_solution(cell):
                kind = "skip"
            elif levels & {1, 2}:
                kind = "slide"
            elif 3 in levels or is_statement(cell):
                kind = "subslide"
            else:
                kind = "notes"
            if levels & {1, 2, 3}:
                demo_shown = answered = False
            sections = [text for level, text in headings(cell.source) if level <= 2]
            if sections:  # the cell's last section heading is the one its following cells are in
                closing = sections[-1] in CLOSING_SECTIONS
        elif cell.cell_type == "code":
            output = shows(cell)
            answered = answered or is_solution(cell)
            if answered or is_check(cell) or not output or closing or is_setup(cell.source):
                kind = "skip"
            elif FIGURE in output or PANEL in output or not demo_shown:
                kind = "subslide"
                demo_shown = True
            else:
                kind = "skip"
        else:  # raw cells: nothing to present
            kind = "skip"
        types.append(kind)
    return types


def apply(nb: nbformat.NotebookNode) -> list[str]:
    """Write the rules' slide types (and RISE's settings) into ``nb``; return what changed, in words.

    Only ``metadata.slideshow`` of each cell and ``metadata.rise`` of the notebook are touched.
    """
    changed = []
    for index, (cell, kind) in enumerate(zip(nb.cells, slide_types(nb))):
        if cell.metadata.get("slideshow") != {"slide_type": kind}:
            cell.metadata["slideshow"] = {"slide_type": kind}
            changed.append(f"cell {index + 1} ({cell.get('id', 'no id')}): {kind}")
    if nb.metadata.get("rise") != RISE_SETTINGS:
        nb.metadata["rise"] = dict(RISE_SETTINGS)
        changed.append("notebook: RISE settings")
    return changed


def notebook_paths() -> list[Path]:
    """The course's notebooks in teaching order (their names start with two digits)."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))


def run(paths: Iterable[Path], check: bool) -> int:
    """Apply the rules to each notebook (or only compare, with ``check``); the exit status."""
    differ = False
    for path in paths:
        try:
            nb = nbformat.read(path, as_version=4)
        except (OSError, ValueError) as error:  # a missing file, or JSON that is not a notebook
            print(f"slides: cannot read {path}: {error}", file=sys.stderr)
            return 2
        changed = apply(nb)
        if not changed:
            continue
        differ = True
        if check:
            print(f"{path.name}: slide metadata differs from the rules in {len(changed)} places, "
                  f"e.g. {changed[0]}; run python tools/slides.py")
        else:
            nbformat.write(nb, path)
            print(f"{path.name}: slide metadata written ({len(changed)} changes)")
    return 1 if check and differ else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to do (default: every course notebook)")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a notebook differs")
    args = parser.parse_args(argv)
    return run(args.notebooks or notebook_paths(), args.check)


if __name__ == "__main__":
    sys.exit(main())

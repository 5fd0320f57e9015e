"""Refresh the notebooks: navigation lines, then outputs, in place.

Why: every notebook carries a navigation line (previous, contents, next) at its
top and bottom, and is committed with its outputs, which nbval compares on
every test run. Both go stale when a notebook is added, renamed or edited.
This script regenerates the navigation cells (found by the ``<!-- nav -->``
marker at the start of their source, so it can be re-run any number of times)
and re-executes each notebook in a fresh kernel with nbclient, the same way
nbval will, so the saved outputs are exactly what a run produces.

    python tools/refresh_notebooks.py            # every notebook
    python tools/refresh_notebooks.py --nav-only # links only, no execution
    python tools/refresh_notebooks.py notebooks/00-start-here.ipynb
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
README = ROOT / "README.md"
NAV_MARKER = "<!-- nav -->"
SYLLABUS_MARKER = "<!-- syllabus -->"
README_START = "<!-- syllabus:start -->"
README_END = "<!-- syllabus:end -->"
CONTENTS = "00-start-here.ipynb#Syllabus"


def notebook_paths() -> list[Path]:
    """The course's notebooks in teaching order (their names start with two digits)."""
    return sorted(p for p in NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))


def title_of(path: Path) -> str:
    """The first level-one heading of a notebook, without the leading '# '."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            match = re.search(r"^# (.+)$", cell.source, flags=re.M)
            if match:
                return match.group(1).strip()
    return path.stem


def summary_of(path: Path) -> str:
    """The first paragraph after a notebook's title: its one-line description."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown" and re.search(r"^# ", cell.source, flags=re.M):
            after = re.split(r"^# .+$", cell.source, maxsplit=1, flags=re.M)[1]
            paragraphs = [p.strip() for p in after.strip().split("\n\n") if p.strip()]
            return " ".join(paragraphs[0].split()) if paragraphs else ""
    return ""


#: Notebooks from this number on come after the lab: they are listed under "Going further".
GOING_FURTHER_FROM = 10


def _rows(paths: list[Path], prefix: str) -> list[str]:
    rows = ["| Notebook | What you will do |", "|---|---|"]
    for path in paths:
        rows.append(f"| [{title_of(path)}]({prefix}{path.name}) | {summary_of(path)} |")
    return rows


def syllabus_table(paths: list[Path], prefix: str = "") -> str:
    """A markdown table, one row per notebook, linking each (``prefix`` is their folder).

    The course itself (00 to the lab) comes first; notebooks numbered from
    ``GOING_FURTHER_FROM`` on follow under a "Going further" heading, in a
    table of their own.
    """
    core = [p for p in paths if int(p.name[:2]) < GOING_FURTHER_FROM]
    further = [p for p in paths if int(p.name[:2]) >= GOING_FURTHER_FROM]
    text = "\n".join(_rows(core, prefix))
    if further:
        text += "\n\n### Going further\n\n" + "\n".join(_rows(further, prefix))
    return text


def with_syllabus(text: str, marker: str, table: str, end: str | None = None) -> str:
    """Replace what follows ``marker`` (up to ``end``, or the end of the text) with ``table``."""
    head, found, tail = text.partition(marker)
    if not found:
        return text
    rest = ""
    if end is not None:
        _, found_end, after = tail.partition(end)
        rest = found_end + after if found_end else ""
    return f"{head}{marker}\n{table}\n" + (f"{rest}" if rest else "")


def refresh_syllabus(paths: list[Path], write: bool = True) -> list[str]:
    """Bring the syllabus in notebook 00 and in the README up to date; return what was stale."""
    stale = []
    table = syllabus_table(paths)
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        changed = False
        for cell in nb.cells:
            if cell.cell_type == "markdown" and SYLLABUS_MARKER in cell.source:
                new = with_syllabus(cell.source, SYLLABUS_MARKER, table).rstrip("\n")
                if new != cell.source:
                    cell.source, changed = new, True
        if changed:
            stale.append(path.name)
            if write:
                nbformat.write(nb, path)
    if README.exists():
        text = README.read_text(encoding="utf-8")
        new = with_syllabus(text, README_START, syllabus_table(paths, "notebooks/"), README_END)
        if new != text:
            stale.append(README.name)
            if write:
                README.write_text(new, encoding="utf-8")
    return stale


def nav_line(paths: list[Path], index: int) -> str:
    parts = []
    if index > 0:
        prev = paths[index - 1]
        parts.append(f"[← {title_of(prev)}]({prev.name})")
    parts.append(f"[Contents]({CONTENTS})")
    if index + 1 < len(paths):
        nxt = paths[index + 1]
        parts.append(f"[{title_of(nxt)} →]({nxt.name})")
    return f"{NAV_MARKER}\n" + " · ".join(parts)


def refresh_nav(path: Path, paths: list[Path], write: bool = True) -> bool:
    """Rewrite (or add) the top and bottom navigation cells; return whether anything changed."""
    nb = nbformat.read(path, as_version=4)
    line = nav_line(paths, paths.index(path))
    nav_cells = [c for c in nb.cells if c.cell_type == "markdown" and c.source.startswith(NAV_MARKER)]
    if len(nav_cells) < 2:
        for cell in nav_cells:
            nb.cells.remove(cell)
        top = nbformat.v4.new_markdown_cell(line)
        bottom = nbformat.v4.new_markdown_cell(line)
        nb.cells.insert(0, top)
        nb.cells.append(bottom)
        changed = True
    else:
        changed = any(c.source != line for c in nav_cells)
        for cell in nav_cells:
            cell.source = line
    if changed and write:
        nbformat.write(nb, path)
    return changed


def execute(path: Path, timeout: int = 300) -> None:
    """Run every cell in a fresh kernel, in the notebook's own folder, and save the outputs."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=False,  # a deliberate error cell is tagged raises-exception
        record_timing=False,  # no timestamps: they would change every run
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = coalesce_streams(cell.outputs)
    nbformat.write(nb, path)


def coalesce_streams(outputs: list) -> list:
    """Join consecutive stdout (or stderr) outputs into one, as nbval does before comparing.

    A cell that prints over time (a self-check, case by case) arrives as many
    stream messages; saved as one, the notebook reads as a single block.
    """
    merged: list = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (output.get("output_type") == "stream" and previous is not None
                and previous.get("output_type") == "stream" and previous.get("name") == output.get("name")):
            previous["text"] += output["text"]
        else:
            merged.append(output)
    return merged


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to refresh (default: all)")
    parser.add_argument(
        "--nav-only", action="store_true", help="update navigation and syllabus only, no execution"
    )
    parser.add_argument(
        "--no-nav", action="store_true", help="execute only: leave navigation and syllabus alone"
    )
    args = parser.parse_args(argv)
    paths = notebook_paths()
    chosen = [p.resolve() for p in args.notebooks] or paths
    if not args.no_nav:
        for path in paths:
            if refresh_nav(path, paths):
                print(f"navigation updated: {path.name}")
        for name in refresh_syllabus(paths):
            print(f"syllabus updated: {name}")
    if not args.nav_only:
        for path in chosen:
            print(f"executing {path.name} ...", flush=True)
            execute(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

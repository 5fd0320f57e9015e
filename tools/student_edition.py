"""Write a student edition of the notebooks: solutions taken out, outputs cleared.

Why: the course notebooks carry a worked solution under every exercise. For
an assignment, an instructor wants the same notebooks without them, and
without anything that would give them away or point at a hole:

* a code cell tagged ``solution`` holds its solution between nbgrader's
  ``### BEGIN SOLUTION`` and ``### END SOLUTION`` markers; the marked part is
  removed, and a cell left with nothing else is removed whole;
* a markdown cell tagged ``solution`` introduces or explains a solution
  ("A solution, if you are stuck"); it is removed whole;
* where solution cells were removed, one short markdown note takes their
  place (tagged ``student-note``). It points at the cells around it, never at
  what was taken out: the stub above, where the student writes the function
  the stub names, and the self-check below, named by its call;
* a sentence of the instructor edition that speaks of the worked solution
  ("the worked solution follows it") is reworded, from the table
  ``STUDENT_WORDING``; a sentence the table names that is no longer in its
  cell stops the tool, so the table cannot silently go stale;
* every output is cleared, so nothing of a solution shows through a saved result.

Stubs and self-checks stay in place. A solution cell whose markers do not
match (a missing END, two BEGINs, CRLF line endings that hide a marker's
line end) stops the tool with a message naming the notebook and the cell,
and a non-zero exit status: a half-removed solution must never be handed out.

    python tools/student_edition.py student/          # every notebook
    python tools/student_edition.py out/ notebooks/06-byte-streams.ipynb
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
TAG = "solution"

#: The tag of the note left where solution cells were removed (tests and tools find it by this tag).
NOTE_TAG = "student-note"

#: Sentences of the instructor edition that speak of a worked solution the student edition does
#: not have: ``{(notebook, cell id): [(instructor text, student text), ...]}``. Each instructor
#: text must occur in its cell exactly once, or the tool stops (the notebook changed: update the table).
STUDENT_WORDING: dict[tuple[str, str], list[tuple[str, str]]] = {
    ("09-lab.ipynb", "c002"): [
        ("; the worked solution keeps it simple and just closes.)",
         "; the self-check also accepts a server that just closes.)"),
    ],
    ("09-lab.ipynb", "c013"): [
        ("A plan that works (the worked solution follows it); any other", "A plan that works; any other"),
    ],
}


class MarkerError(ValueError):
    """A solution cell's markers do not pair up; the message names the cell."""


def _cell_name(index: int, cell: nbformat.NotebookNode) -> str:
    first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
    label = f"cell {index + 1}" + (f" (id {cell['id']})" if cell.get("id") else "")
    return f"{label}, starting {first[:50]!r}"


def strip_solution(source: str, where: str) -> str:
    """The source with every marked region removed; raises MarkerError if the markers do not pair up."""
    if "\r" in source:
        raise MarkerError(f"{where}: has CR line endings; save it with LF (\\n) line endings")
    kept: list[str] = []
    inside = False
    for line in source.split("\n"):
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise MarkerError(f"{where}: {BEGIN} again before {END}")
            inside = True
        elif stripped == END:
            if not inside:
                raise MarkerError(f"{where}: {END} without a {BEGIN} before it")
            inside = False
        elif BEGIN in line or END in line:
            raise MarkerError(f"{where}: a solution marker must stand alone on its line: {line.strip()!r}")
        elif not inside:
            kept.append(line)
    if inside:
        raise MarkerError(f"{where}: {BEGIN} has no {END}")
    if len(kept) == len(source.split("\n")):
        raise MarkerError(f"{where}: tagged {TAG!r} but has no {BEGIN} marker")
    return "\n".join(kept).strip("\n")


def _defined_names(source: str) -> list[str]:
    """The functions a stub defines at its top level (``def shout(`` gives ``'shout'``), in order."""
    return re.findall(r"^def (\w+)\(", source, re.MULTILINE)


def check_call(source: str) -> str | None:
    """The self-check call in a cell (``check_shout(shout)``), or None if the cell is not a self-check.

    Public: tools/build_site.py finds the self-checks under a removed solution with it.
    """
    found = re.search(r"^(check_\w+\(.*\))\s*$", source, re.MULTILINE)
    return found.group(1) if found else None


_check_call = check_call  # its former, private name (tests/test_student_edition.py uses it)


def note_text(stub: nbformat.NotebookNode | None, rest: list[nbformat.NotebookNode]) -> str:
    """The note that stands where solution cells were removed.

    It speaks only of the cells the student has: the stub above (by the
    function it defines) and the self-check below (by its call); ``rest`` are
    the cells kept after the removed ones, in order.
    """
    names = _defined_names(stub.source) if stub is not None else []
    if names:
        listed = " and ".join(f"`{name}`" for name in names)
        where = (f"Your {listed} {'go' if len(names) > 1 else 'goes'} in the code cell above, "
                 f"the one that starts `def {names[0]}(`")
    else:
        where = "Your code goes in the code cell above"
    code_after = [cell for cell in rest if cell.cell_type == "code"]
    calls = [(i, call) for i, cell in enumerate(code_after) if (call := check_call(cell.source))]
    if not calls:
        then = "then run the cells below."
    elif calls[0][0] == 0:
        then = (f"then run the self-check right below, `{calls[0][1]}`: "
                "it says in words what works and what does not yet.")
    else:
        then = (f"then run the cells below, down to the self-check `{calls[0][1]}`: "
                "it says in words what works and what does not yet.")
    return f"**Your turn.** {where}: run it, {then}"


def reword(cell: nbformat.NotebookNode, name: str) -> None:
    """Apply ``STUDENT_WORDING`` to a markdown cell of notebook ``name``; MarkerError if the table is stale.

    Public: the website (tools/build_site.py) is a student edition too, worded the same.
    """
    for old, new in STUDENT_WORDING.get((name, cell.get("id")), []):
        if cell.source.count(old) != 1:
            raise MarkerError(f"{name}, cell {cell.get('id')}: STUDENT_WORDING expects {old!r} once in it; "
                              "the notebook changed: update the table in tools/student_edition.py")
        cell.source = cell.source.replace(old, new)


def note_id(after: nbformat.NotebookNode | None, taken: set[str]) -> str:
    """A new cell id for the note after ``after``, not in ``taken`` (and added to it)."""
    base = f"{(after.get('id') if after is not None else None) or 'top'}-your-turn"[:60]
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    taken.add(candidate)
    return candidate


def student_copy(nb: nbformat.NotebookNode, name: str = "notebook", *,
                 solutions_cleared: bool = False) -> nbformat.NotebookNode:
    """The notebook without its solutions and outputs (see the module's docstring).

    ``solutions_cleared``: the marked regions are gone already (nbgrader's ``ClearSolutions`` ran,
    ``tools/nbgrader_config.py``); what is left of the solution cells is handled the same way.
    """
    nb = nbformat.from_dict(nb)
    for (notebook, cell_id) in STUDENT_WORDING:
        if notebook == name and not any(cell.get("id") == cell_id for cell in nb.cells):
            raise MarkerError(f"{name}: STUDENT_WORDING names cell {cell_id!r}, which is not in the notebook")
    taken = {cell.get("id") for cell in nb.cells if cell.get("id")}
    kept: list[nbformat.NotebookNode] = []
    removed_here = False   # solution cells were removed since the last cell kept
    notes: list[tuple[int, nbformat.NotebookNode | None]] = []   # (position in kept, stub)
    last_code: nbformat.NotebookNode | None = None
    for index, cell in enumerate(nb.cells):
        is_solution = TAG in cell.metadata.get("tags", [])
        if cell.cell_type == "code":
            if is_solution:
                if not solutions_cleared:
                    cell.source = strip_solution(cell.source, f"{name}, {_cell_name(index, cell)}")
                if not cell.source.strip():
                    removed_here = True
                    continue
                cell.metadata.get("jupyter", {}).pop("source_hidden", None)
            cell.outputs = []
            cell.execution_count = None
        elif is_solution:
            removed_here = True
            continue  # a paragraph introducing or explaining a removed solution
        else:
            reword(cell, name)
        if removed_here:
            notes.append((len(kept), last_code))
            removed_here = False
        if cell.cell_type == "code":
            last_code = cell
        kept.append(cell)
    if removed_here:
        notes.append((len(kept), last_code))
    for position, stub in reversed(notes):
        note = nbformat.v4.new_markdown_cell(note_text(stub, kept[position:]), metadata={"tags": [NOTE_TAG]})
        note["id"] = note_id(kept[position - 1] if position else None, taken)
        kept.insert(position, note)
    nb.cells = kept
    nb.metadata.pop("widgets", None)
    return nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("destination", type=Path, help="folder for the student edition")
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every course notebook")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    copies = []
    for path in paths:  # every notebook is checked before anything is written
        try:
            copies.append((path, student_copy(nbformat.read(path, as_version=4), path.name)))
        except MarkerError as error:
            print(f"student_edition: {error}", file=sys.stderr)
            return 1
        except (OSError, ValueError) as error:
            print(f"student_edition: cannot read {path}: {error}", file=sys.stderr)
            return 1
    args.destination.mkdir(parents=True, exist_ok=True)
    for path, nb in copies:
        nbformat.write(nb, args.destination / path.name)
        print(f"wrote {args.destination / path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

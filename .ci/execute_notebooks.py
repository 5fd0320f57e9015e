"""Execute every notebook in a fresh kernel, as a student's Run All would, and report the cells that went wrong.

Why not nbval: nbval compares each output with the saved one, which is right
on the machine the outputs were saved on (Linux, as root) and wrong where a
number or a message may honestly differ (macOS, Windows, Binder's ordinary
user, Binder's newer base packages). What must hold everywhere is weaker and
simpler: every cell runs, and only the cells tagged ``raises-exception``
raise. This script checks exactly that, with nbclient (the library nbval and
``jupyter nbconvert --execute`` use), so a portability problem shows as the
cell that raised, with its error.

A cell tagged ``raises-exception`` that does not raise is reported too: the
lesson around it says an error happens there. Output written to stderr is
reported as a warning (a student sees it in red) and fails the run only with
``--strict-stderr``.

    python .ci/execute_notebooks.py                       # every course notebook
    python .ci/execute_notebooks.py --save out/ notebooks/04-addresses-and-ports.ipynb
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Matches nbval's --nbval-cell-timeout in pyproject.toml: the slowest cell's bound.
CELL_TIMEOUT = 120
#: The tag that marks a deliberate error (JupyterLab's Run All goes on past it).
RAISES = "raises-exception"


@dataclass
class Problems:
    """What one notebook's run found: unexpected errors, missing errors, stderr text."""

    errors: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)


def _where(index: int, cell) -> str:
    first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
    return f"cell {index + 1} (id {cell.get('id', '?')}) {first[:60]!r}"


def problems_in(nb) -> Problems:
    """The problems in an executed notebook (see the module's docstring)."""
    found = Problems()
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        expected = RAISES in cell.metadata.get("tags", [])
        errors = [o for o in cell.outputs if o.output_type == "error"]
        for error in errors:
            if not expected:
                found.errors.append(f"{_where(index, cell)}: {error.ename}: {error.evalue}")
        if expected and not errors:
            found.errors.append(f"{_where(index, cell)}: tagged {RAISES!r} but raised nothing")
        for output in cell.outputs:
            if output.output_type == "stream" and output.name == "stderr":
                found.stderr.append(f"{_where(index, cell)}: {output.text.strip()[:300]}")
    return found


def execute(path: Path, kernel_log, timeout: int = CELL_TIMEOUT):
    """The notebook at ``path`` run top to bottom in a fresh kernel started in its folder.

    The kernel process's own stderr (its start-up warnings, or how it died) goes
    to ``kernel_log``; what the cells write to stderr is in their outputs.
    """
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=timeout, allow_errors=True, kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute(stderr=kernel_log)
    return nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every course notebook")
    parser.add_argument("--save", type=Path, help="write the executed notebooks into this folder")
    parser.add_argument("--strict-stderr", action="store_true", help="fail on output to stderr too")
    parser.add_argument("--timeout", type=int, default=CELL_TIMEOUT, help="seconds a cell may take")
    args = parser.parse_args(argv)
    # A Windows console's code page cannot print every character a cell may output.
    sys.stdout.reconfigure(errors="replace")
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    if not paths:
        print("execute_notebooks: no notebooks found", file=sys.stderr)
        return 1
    failed = 0
    for path in paths:
        started = time.perf_counter()
        with tempfile.TemporaryFile() as kernel_log:
            try:
                nb = execute(path, kernel_log, args.timeout)
            except Exception as error:  # a kernel that died or a cell that timed out
                kernel_log.seek(0)
                print(f"FAIL {path.name}: {type(error).__name__}: {str(error).strip()[:500]}")
                print("     the kernel's stderr:", kernel_log.read().decode(errors="replace")[-2000:])
                failed += 1
                continue
        found = problems_in(nb)
        bad = found.errors + (found.stderr if args.strict_stderr else [])
        print(f"{'FAIL' if bad else 'ok  '} {path.name} ({time.perf_counter() - started:.1f} s)")
        for line in found.errors:
            print(f"     error: {line}")
        for line in found.stderr:
            print(f"     stderr: {line}")
        failed += bool(bad)
        if args.save:
            import nbformat

            args.save.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, args.save / path.name)
    print(f"{len(paths) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

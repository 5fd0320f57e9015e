"""No notebook's check module imports another notebook's (sockutil/checks/__init__.py promises it).

Why: a course that drops or reorders a notebook must be able to do so without
breaking another notebook's self-checks; what checks share lives in the
shared modules (harness, watch, interrupt, ...), which no notebook imports for
itself. A notebook's own module is one its code cells import.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECKS = ROOT / "sockutil" / "checks"
IMPORTED_BY_A_NOTEBOOK = re.compile(r"(?:from|import)\s+sockutil\.checks\.(\w+)")


def notebook_modules() -> dict[str, set[str]]:
    """Each check module a notebook imports, with the notebooks (by number) that import it."""
    owners: dict[str, set[str]] = {}
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "code":
                for name in IMPORTED_BY_A_NOTEBOOK.findall("".join(cell["source"])):
                    owners.setdefault(name, set()).add(path.name[:2])
    return owners


def module_file(name: str) -> Path:
    top = name.split(".")[0]
    package = CHECKS / top / "__init__.py"
    return package if package.exists() else CHECKS / f"{top}.py"


def check_imports(name: str) -> set[str]:
    """The sockutil.checks modules (top-level names) that ``name``'s files import, relatively or by full name."""
    top = name.split(".")[0]
    files = sorted((CHECKS / top).glob("*.py")) if (CHECKS / top).is_dir() else [CHECKS / f"{top}.py"]
    found: set[str] = set()
    for path in files:
        inside_package = path.parent != CHECKS
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level == 0 and (node.module or "").startswith("sockutil.checks."):
                    found.add(node.module.split(".")[2])
                elif node.level == 1 and not inside_package or node.level == 2 and inside_package:
                    found.update([node.module.split(".")[0]] if node.module else [a.name for a in node.names])
            elif isinstance(node, ast.Import):
                found.update(a.name.split(".")[2] for a in node.names if a.name.startswith("sockutil.checks."))
    found.discard(top)
    return {name for name in found if module_file(name).exists()}


def reachable(name: str) -> set[str]:
    seen, todo = set(), [name]
    while todo:
        for other in check_imports(todo.pop()) - seen:
            seen.add(other)
            todo.append(other)
    return seen


def test_the_notebooks_own_modules_are_found():
    owners = notebook_modules()
    assert {"start_here", "lab", "byte_streams", "segments"} <= set(owners)
    assert reachable("lab") >= {"harness"}, "the import reader must see the lab's imports"


def test_no_notebooks_check_module_imports_another_notebooks():
    owners = notebook_modules()
    crossings = {name: sorted(other for other in reachable(name)
                              if other in owners and owners[other] - owners[name])
                 for name in owners}
    assert not {name: found for name, found in crossings.items() if found}

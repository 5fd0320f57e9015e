"""sockutil is built in three floors, and no import runs upward.

* bottom (pure): bytes in, messages out; a seeded simulation; records of
  what happened. The standard library only: no sockets-in-threads machinery,
  no psutil, no drawing.
* middle (sockets): servers, handlers, clients, names, the kernel's view,
  traces, concurrency models. The bottom floor, the standard library, psutil.
* top (presentation): plots, widgets, self-checks, the command line. Anything
  below; matplotlib and ipywidgets are imported only here.

Every import is read from the source (also those inside functions), so a
lazy import cannot hide an upward one. A module that is not on the map fails
the test: a new module must say which floor it lives on.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "sockutil"

#: The first part of a module's name under ``sockutil`` -> its floor.
FLOOR_OF = {
    "errors": 0, "framing": 0, "netsim": 0, "events": 0, "exercise_guard": 0,
    "servers": 1, "handlers": 1, "clients": 1, "names": 1, "kernel": 1, "trace": 1,
    "concurrency": 1, "chat": 1, "connection": 1, "lifecycle": 1, "registry": 1, "races": 1,
    "cprograms": 1, "throughput": 1, "netns": 1, "capture": 1, "twohosts": 1, "replay": 1,
    "links": 1,
    "plots": 2, "widgets": 2, "checks": 2, "cli": 2, "__main__": 2,
}
FLOOR_NAMES = ("bottom (pure)", "middle (sockets)", "top (presentation)")

#: Outside the standard library, what each floor may import.
THIRD_PARTY = {0: set(), 1: {"psutil"}, 2: {"psutil", "matplotlib", "ipywidgets", "IPython"}}

#: Standard-library modules the pure floor must not use: it does no I/O of its own.
#: (A lock from ``threading`` is allowed: the event log is shared between threads.)
NOT_PURE = {"socket", "selectors", "select", "subprocess", "asyncio", "ssl", "psutil"}


def modules() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts == ("__init__",):
            continue  # only hands names on, from every floor
        found.append((".".join(parts), path))
    return found


def imports(name: str, path: Path) -> list[tuple[str, bool]]:
    """(absolute module, is it inside sockutil) for every import in the file."""
    package = ["sockutil", *name.split(".")][:-1]  # the package a relative import starts from
    result = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            result += [(alias.name, alias.name.split(".")[0] == "sockutil") for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
                if node.module is None:  # from . import x, y
                    result += [(f"{target}.{alias.name}", True) for alias in node.names]
                    continue
                result.append((target, True))
            else:
                assert node.module is not None
                result.append((node.module, node.module.split(".")[0] == "sockutil"))
    return result


def floor_of(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] == "sockutil":
        parts = parts[1:]
    if not parts:
        return None  # the package itself: only names handed on
    return FLOOR_OF.get(parts[0])


@pytest.mark.parametrize("name,path", modules(), ids=[name for name, _ in modules()])
def test_no_import_runs_upward(name, path):
    mine = floor_of(name)
    assert mine is not None, f"sockutil.{name} is on no floor: add it to FLOOR_OF"
    problems = []
    for target, internal in imports(name, path):
        if internal:
            theirs = floor_of(target)
            if theirs is None:
                problems.append(f"imports the package root ({target}); import the module itself")
            elif theirs > mine:
                problems.append(f"imports {target}, on the {FLOOR_NAMES[theirs]} floor")
            continue
        top = target.split(".")[0]
        if top == "__future__" or (top in sys.stdlib_module_names and (mine or top not in NOT_PURE)):
            continue
        if top not in THIRD_PARTY[mine]:
            problems.append(f"imports {target}, which the {FLOOR_NAMES[mine]} floor may not use")
    assert not problems, f"sockutil.{name} ({FLOOR_NAMES[mine]}): " + "; ".join(problems)


def test_the_map_names_only_modules_that_exist():
    present = {name.split(".")[0] for name, _ in modules()}
    assert set(FLOOR_OF) - {"cli"} <= present | {"cli"}
    assert present <= set(FLOOR_OF)


def test_the_reader_sees_relative_lazy_and_package_imports(tmp_path):
    source = tmp_path / "x.py"
    source.write_text(
        "from . import events\n"
        "from ..servers import Server\n"
        "def later():\n"
        "    from .plots import ladder\n"
        "    import matplotlib.pyplot\n",
        encoding="utf-8",
    )
    found = imports("checks.x", source)
    assert ("sockutil.checks.events", True) in found
    assert ("sockutil.servers", True) in found
    assert ("sockutil.checks.plots", True) in found
    assert ("matplotlib.pyplot", False) in found
    assert floor_of("sockutil.servers") == 1 and floor_of("sockutil.checks.x") == 2


#: "Small modules with one job": about 400 lines at most. A little slack for a
#: docstring that says why; a module far past it has two jobs.
MAX_LINES = 420


@pytest.mark.parametrize("name,path", modules(), ids=[name for name, _ in modules()])
def test_every_module_is_small(name, path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"sockutil.{name} has {lines} lines: split it along a seam"

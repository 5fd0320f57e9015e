"""Load a script that is no package (``tools/``, ``.ci/``, ``benchmarks/``, the gallery) as a module, for its tests."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / "tools"


def load_script(path: Path, name: str, *, search: Path | None = None, keep_first: bool = False) -> ModuleType:
    """The file ``path``, run afresh as the module ``name`` and registered in ``sys.modules``.

    Dataclasses look their module up there while the class is built. With
    ``keep_first``, a module already registered under ``name`` stays registered.
    ``search``, if given, is on ``sys.path`` while the file runs, for a script that
    imports the scripts beside it (``.ci/binder.py`` imports ``pythons``).
    """
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None, f"not a Python file: {path}"
    module = importlib.util.module_from_spec(spec)
    if keep_first:
        sys.modules.setdefault(name, module)
    else:
        sys.modules[name] = module
    if search is not None:
        sys.path.insert(0, str(search))
    try:
        spec.loader.exec_module(module)
    finally:
        if search is not None:
            sys.path.remove(str(search))
    return module


def load_tool(name: str) -> ModuleType:
    """``tools/<name>.py`` as the module ``name``: a fresh copy for each caller, the first one registered."""
    return load_script(TOOLS / f"{name}.py", name, keep_first=True)

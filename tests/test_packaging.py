"""The README's commands, CI, Binder and the package's import weight agree with each other."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def pins(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==")
            found[name.strip().lower()] = version.strip()
    return found


def bash_blocks(text: str) -> list[str]:
    return [b.strip() for b in re.findall(r"```bash\n(.*?)```", text, flags=re.S)]


def test_every_requirement_is_pinned_exactly_and_installs_the_kit():
    lines = [
        line.split("#", 1)[0].strip()
        for line in (ROOT / "requirements.txt").read_text().splitlines()
    ]
    lines = [line for line in lines if line]
    assert "-e ." in lines
    unpinned = [line for line in lines if line != "-e ." and "==" not in line]
    assert not unpinned, f"not pinned exactly: {unpinned}"
    for needed in ("jupyterlab", "ipywidgets", "matplotlib", "nbval", "pytest", "psutil"):
        assert needed in pins(ROOT / "requirements.txt")


def test_binder_pins_match_and_add_the_proxy():
    top, binder = pins(ROOT / "requirements.txt"), pins(ROOT / "binder" / "requirements.txt")
    assert binder.pop("jupyter-server-proxy")
    assert binder == top
    assert "-e ." in (ROOT / "binder" / "requirements.txt").read_text().splitlines()
    runtime = (ROOT / "binder" / "runtime.txt").read_text().strip()
    match = re.fullmatch(r"python-3\.(\d+)", runtime)
    assert match and int(match.group(1)) >= 10


def test_readme_has_the_two_commands_and_ci_runs_them():
    install, test = bash_blocks(README)[:2]
    assert install.endswith("jupyter lab notebooks/00-start-here.ipynb")
    ci = (ROOT / ".ci" / "run").read_text()
    install_part = install.rsplit(" && ", 1)[0]  # all but opening JupyterLab
    assert install_part in ci
    assert test in ci
    assert "-m pytest" in test


def test_binder_badge_opens_notebook_00():
    match = re.search(r"\(https://mybinder\.org/v2/gh/[^)]*urlpath=lab/tree/([^)\s]+)\)", README)
    assert match, "no Binder badge link in README"
    assert (ROOT / match.group(1)).is_file()


def test_python_requirement_matches_readme():
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'requires-python = ">=3.10"' in pyproject
    assert "Python 3.10 or newer" in README


def test_import_sockutil_stays_light():
    code = (
        "import sys, sockutil; "
        "heavy = [m for m in ('matplotlib', 'ipywidgets', 'psutil', 'numpy') if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "[]"

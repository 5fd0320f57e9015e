"""The README's commands, CI, Binder and the package's import weight agree with each other."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
sys.path.insert(0, str(ROOT / "tools"))
from check_python import MINIMUM, NEWEST_TESTED  # noqa: E402

sys.path.remove(str(ROOT / "tools"))

#: Packages binder/ pins that requirements.txt does not, and why.
BINDER_ONLY = {
    "nbgitpuller": "hand the student edition out on a JupyterHub built from binder/",
}
#: What the notebooks need at run time: Binder must pin every one (Binder's base has older ones).
RUNTIME = ("jupyterlab", "notebook", "ipykernel", "ipywidgets", "matplotlib", "psutil")


def requirement_lines(path: Path) -> list[str]:
    lines = [line.split(" #", 1)[0].strip() for line in path.read_text().splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def pins(path: Path) -> dict[str, str]:
    """Each requirement's normalized name and exact version (markers allowed, e.g. a platform)."""
    found = {}
    for line in requirement_lines(path):
        if line.startswith("-"):
            continue
        requirement = Requirement(line)
        specifiers = list(requirement.specifier)
        assert len(specifiers) == 1 and specifiers[0].operator == "==", f"not pinned exactly: {line}"
        found[re.sub(r"[-_.]+", "-", requirement.name).lower()] = specifiers[0].version
    return found


def bash_blocks(text: str) -> list[str]:
    return [b.strip() for b in re.findall(r"```bash\n(.*?)```", text, flags=re.S)]


def test_every_requirement_is_pinned_exactly_and_installs_the_kit():
    lines = requirement_lines(ROOT / "requirements.txt")
    assert "-e ." in lines
    found = pins(ROOT / "requirements.txt")  # fails on any requirement not pinned with ==
    assert len(found) == len(lines) - 1
    for needed in ("jupyterlab", "ipywidgets", "matplotlib", "nbval", "pytest", "psutil"):
        assert needed in found


def test_binder_pins_the_runtime_as_requirements_txt_does():
    top, binder = pins(ROOT / "requirements.txt"), pins(ROOT / "binder" / "requirements.txt")
    for name, version in binder.items():
        if name in BINDER_ONLY:
            assert name not in top, f"{name} is in both files: drop it from BINDER_ONLY"
        else:
            assert top.get(name) == version, f"binder pins {name}=={version}, requirements.txt {top.get(name)}"
    assert set(BINDER_ONLY) <= set(binder)
    missing = [name for name in RUNTIME if name not in binder]
    assert not missing, f"binder/requirements.txt lacks runtime packages: {missing}"
    assert "-e ." in requirement_lines(ROOT / "binder" / "requirements.txt")


def test_binder_python_is_the_floor():
    runtime = (ROOT / "binder" / "runtime.txt").read_text().strip()
    assert runtime == "python-%d.%d" % MINIMUM


def test_binder_postbuild_installs_the_jupyterlab_overrides():
    post_build = ROOT / "binder" / "postBuild"
    assert os.access(post_build, os.X_OK) or sys.platform == "win32", "postBuild must be executable"
    text = post_build.read_text()
    assert text.startswith("#!/bin/bash\n") and "set -euo pipefail" in text
    assert "cp binder/overrides.json" in text and "/settings" in text


def test_binder_overrides_name_real_jupyterlab_settings():
    """Every override names a plugin and a setting of the installed JupyterLab, with a value its schema allows."""
    from jupyterlab.commands import get_app_dir

    schemas = Path(get_app_dir()) / "schemas"
    overrides = json.loads((ROOT / "binder" / "overrides.json").read_text())
    assert overrides["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"
    for plugin, settings in overrides.items():
        package, _, name = plugin.partition(":")
        schema = json.loads((schemas / package / f"{name}.json").read_text())
        for key, value in settings.items():
            prop = schema["properties"].get(key)
            assert prop, f"{plugin} has no setting {key!r}"
            allowed = [choice["const"] for choice in prop.get("oneOf", []) if "const" in choice]
            if allowed:
                assert value in allowed, f"{plugin} {key}: {value!r} is not one of {allowed}"
            else:
                assert isinstance(value, {"boolean": bool, "string": str}[prop["type"]])


def in_ci_venv(command: str) -> str:
    """A README command as .ci/run runs it: in CI's own environment "$CI_VENV", never the developer's .venv."""
    return re.sub(r"(?<![\w./-])\.venv(?=/|\s|$)", '"$CI_VENV"', command)


def test_readme_has_the_two_commands_and_ci_runs_them():
    install, test = bash_blocks(README)[:2]
    assert install.endswith("jupyter lab notebooks/00-start-here.ipynb")
    ci = (ROOT / ".ci" / "run").read_text()
    install_part = install.rsplit(" && ", 1)[0]  # all but opening JupyterLab
    assert in_ci_venv(install_part) in ci
    assert in_ci_venv(test) in ci
    assert "-m pytest" in test


def test_binder_badge_opens_notebook_00():
    match = re.search(r"\(https://mybinder\.org/v2/gh/[^)]*urlpath=lab/tree/([^)\s]+)\)", README)
    assert match, "no Binder badge link in README"
    assert (ROOT / match.group(1)).is_file()


def test_python_floor_is_the_same_everywhere():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert pyproject["requires-python"] == ">=%d.%d" % MINIMUM
    classified = sorted(
        tuple(int(n) for n in c.rsplit(" ", 1)[1].split("."))
        for c in pyproject["classifiers"] if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    )
    assert classified == [(3, minor) for minor in range(MINIMUM[1], NEWEST_TESTED[1] + 1)]
    assert "Python %d.%d or newer" % MINIMUM in README
    assert "3.10 or newer" not in README


def test_the_install_command_checks_the_python_first():
    install = bash_blocks(README)[0]
    assert install.startswith("python3 tools/check_python.py && python3 -m venv .venv && ")


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

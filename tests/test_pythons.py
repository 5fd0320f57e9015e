"""The Python floor: an old Python gets one clear message from the README's first command, and .ci/pythons.py runs the README's commands."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.tool_loading import load_script

ROOT = Path(__file__).resolve().parent.parent
CHECK = ROOT / "tools" / "check_python.py"


def load(path: Path):
    return load_script(path, f"kit_{path.stem}", search=ROOT / "tools")


check_python = load(CHECK)
pythons = load(ROOT / ".ci" / "pythons.py")


def test_a_supported_python_passes_silently(capsys):
    assert check_python.main(version=(3, 11, 0)) == 0
    assert check_python.main(version=(3, 14, 2)) == 0
    assert capsys.readouterr() == ("", "")


def test_an_old_python_gets_one_message_saying_what_to_install(capsys, tmp_path):
    assert check_python.main(version=(3, 10, 13), executable="/usr/bin/python3", path=str(tmp_path)) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("This kit needs Python 3.11 or newer, and /usr/bin/python3 is Python 3.10.13.\n")
    assert "Install Python 3.11 or newer" in err and "python.org" in err
    assert "Nothing was installed." in err


def _fake_python(folder: Path, name: str, prints: str, status: int = 0) -> None:
    script = folder / name
    script.write_text(f"#!/bin/sh\necho '{prints}'\nexit {status}\n")
    script.chmod(0o755)


@pytest.mark.skipif(sys.platform == "win32", reason="fake interpreters are shell scripts")
def test_the_message_names_a_newer_python_that_really_runs(tmp_path, capsys):
    _fake_python(tmp_path, "python3.12", "3.12")
    _fake_python(tmp_path, "python3.13", "pyenv: python3.13: command not found", status=127)  # a shim
    _fake_python(tmp_path, "python3.14", "3.14")
    assert check_python.newer_pythons_on_path(str(tmp_path)) == ["python3.14", "python3.12"]
    check_python.main(version=(3, 9, 1), path=str(tmp_path))
    assert "Write python3.14 instead of python3 in the command." in capsys.readouterr().err


@functools.cache
def old_pythons() -> dict:
    return {v: p for v, p in pythons.find_pythons().items() if v < check_python.MINIMUM}


def test_every_old_python_here_gets_the_message_from_the_script_itself():
    """Run by the old interpreters themselves: the script must parse and run on them (2.7 included)."""
    found = old_pythons()
    if not found:
        pytest.skip("no Python older than the floor on this machine (.ci/pythons.py says the same in CI)")
    for version, python in found.items():
        done = subprocess.run([python, str(CHECK)], capture_output=True, text=True, timeout=60)
        assert done.returncode == 1, version
        assert done.stderr.startswith("This kit needs Python 3.11 or newer"), (version, done.stderr)
        assert done.stdout == ""


def test_ci_reads_the_readme_commands_and_swaps_only_the_python():
    install, test = pythons.readme_commands((ROOT / "README.md").read_text(encoding="utf-8"))
    assert install == "python3 tools/check_python.py && python3 -m venv .venv && .venv/bin/pip install -r requirements.txt"
    assert test == ".venv/bin/python -m pytest"
    swapped = pythons.with_python(install, "/opt/py/bin/python3.13")
    assert swapped == ("/opt/py/bin/python3.13 tools/check_python.py && /opt/py/bin/python3.13 -m venv .venv"
                       " && .venv/bin/pip install -r requirements.txt")


@pytest.mark.skipif(not old_pythons(), reason="no Python older than the floor on this machine")
def test_the_readme_install_command_refuses_an_old_python_before_creating_anything(tmp_path):
    version, python = max(old_pythons().items())
    install, _ = pythons.readme_commands((ROOT / "README.md").read_text(encoding="utf-8"))
    assert pythons.check_refused(python, version, install, tmp_path) == []
    assert not (tmp_path / f"refused-{version[0]}.{version[1]}" / ".venv").exists()


def test_refusal_check_can_fail(tmp_path):
    """The check of a refusal reports a command that goes on to pip (as the README's did before)."""
    if os.name == "nt":
        pytest.skip("bash commands")
    install = "mkdir .venv && echo 'ERROR: No matching distribution found for matplotlib==3.11.2' && false"
    problems = pythons.check_refused(sys.executable, (3, 10), install, tmp_path)
    assert "no clear message naming the Python to install" in problems
    assert "a .venv was created anyway" in problems

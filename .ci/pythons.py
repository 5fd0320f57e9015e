"""Check the README's promise about Pythons on every CPython this machine has.

Why: the README says which Pythons the kit runs on, and a promise nobody runs
is a guess. ``.ci/run`` installs and tests the kit with the default
``python3``; this script, which ``.ci/run`` runs after that, finds the other
CPythons (on PATH as ``python3.N``, under pyenv, and in GitHub's tool cache)
and, each in a scratch copy of the working tree:

* on the oldest and the newest *supported* Python found, runs the README's
  install command and then its test command, exactly as written (only
  ``python3`` is replaced by that interpreter), unless that version is the
  default one that ``.ci/run`` has just tested;
* on every *older* Python found, runs the README's install command and checks
  that it stops with tools/check_python.py's one clear message (what to
  install), exits non-zero, mentions no resolver error and creates no
  virtual environment.

The README's commands are read from README.md itself (its first two ``bash``
blocks), so this tests what a reader types.

    python3 .ci/pythons.py             # what .ci/run does
    python3 .ci/pythons.py --list      # only show the Pythons found
"""

from __future__ import annotations

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from check_python import MINIMUM, NEWEST_TESTED, runs_as  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import isolated  # noqa: E402

#: The oldest version looked for: tools/check_python.py parses on 2.7, so even 2.7 must get its message.
OLDEST_LOOKED_FOR = (2, 7)
#: Where interpreters live besides PATH: pyenv's versions and GitHub Actions' tool cache.
PLACES = ("~/.pyenv/versions/*/bin/python3", "~/.pyenv/versions/2.7*/bin/python",
          "/opt/hostedtoolcache/Python/*/x64/bin/python3")
#: Bound on the install command (downloads included) and on one full test run.
INSTALL_TIMEOUT = 900
TEST_TIMEOUT = 1800
#: What the install command must print on an old Python (tools/check_python.py's first words).
CLEAR_MESSAGE = "This kit needs Python {}.{} or newer"


def find_all_pythons() -> dict[tuple[int, int], list[str]]:
    """Every CPython found, by (major, minor): the interpreters' paths, in the order found."""
    candidates = []
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        for name in ["python3", "python2.7"] + [f"python3.{m}" for m in range(0, 30)]:
            candidates.append(os.path.join(directory, name))
    pyenv_root = os.environ.get("PYENV_ROOT")
    places = list(PLACES) + ([f"{pyenv_root}/versions/*/bin/python3"] if pyenv_root else [])
    for pattern in places:
        candidates.extend(sorted(glob.glob(os.path.expanduser(pattern))))
    found: dict[tuple[int, int], list[str]] = {}
    seen = set()
    for candidate in candidates:
        if not (os.path.isfile(candidate) and os.access(candidate, os.X_OK)):
            continue
        real = os.path.realpath(candidate)
        if real in seen:
            continue
        seen.add(real)
        version = runs_as(candidate)
        if version and version >= OLDEST_LOOKED_FOR:
            found.setdefault(version, []).append(candidate)
    return dict(sorted(found.items()))


def find_pythons() -> dict[tuple[int, int], str]:
    """The CPythons found, by (major, minor): the first interpreter found for each."""
    return {version: paths[0] for version, paths in find_all_pythons().items()}


def readme_commands(readme: str) -> tuple[str, str]:
    """README.md's install command (without opening JupyterLab) and its test command."""
    blocks = [b.strip() for b in re.findall(r"```bash\n(.*?)```", readme, flags=re.S)]
    install, test = blocks[:2]
    steps = install.split(" && ")
    if steps[-1].startswith(".venv/bin/jupyter lab"):
        steps = steps[:-1]
    return " && ".join(steps), test


def with_python(command: str, python: str) -> str:
    """``command`` with each step's leading ``python3`` replaced by ``python``."""
    return " && ".join(
        re.sub(r"^python3(?= )", python, step) for step in command.split(" && ")
    )


#: What a scratch copy leaves out when the tree is not a git clone (then git cannot say what it ignores).
NOT_COPIED = {".git", ".venv", "__pycache__", ".pytest_cache", ".hypothesis", ".ipynb_checkpoints", "build",
              "screenshots", "student"}


def scratch_copy(destination: Path, root: Path = ROOT) -> None:
    """The working tree's files copied to ``destination``: in a git clone, those tracked and the new ones git
    does not ignore; elsewhere (a scratch copy itself), every file outside NOT_COPIED and ``*.egg-info``."""
    listed = subprocess.run(
        ["git", "-C", str(root), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True, timeout=60,
    )
    if listed.returncode == 0 and (root / ".git").exists():
        names = [name for name in listed.stdout.decode().split("\0") if name]
    else:
        names = []
        for folder, subfolders, files in os.walk(root):
            subfolders[:] = [d for d in subfolders if d not in NOT_COPIED and not d.endswith(".egg-info")]
            names += [os.path.relpath(os.path.join(folder, f), root) for f in files]
    for name in names:
        source = root / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def run(command: str, cwd: Path, timeout: int, capture: bool = False, isolate: bool = False
        ) -> subprocess.CompletedProcess:
    """``command`` run by bash in ``cwd``; with ``isolate``, in a network namespace of its own (.ci/isolated.py)."""
    print(f"$ {command}{'   (in a network namespace of its own)' if isolate else ''}", flush=True)
    return subprocess.run(
        (isolated.prefix() if isolate else []) + ["bash", "-c", command], cwd=cwd, timeout=timeout, text=True,
        stdout=subprocess.PIPE if capture else None, stderr=subprocess.STDOUT if capture else None,
    )


def check_refused(python: str, version: tuple[int, int], install: str, work: Path) -> list[str]:
    """Problems with what the README's install command does on a Python below the floor."""
    copy = work / f"refused-{version[0]}.{version[1]}"
    scratch_copy(copy)
    done = run(with_python(install, python), copy, INSTALL_TIMEOUT, capture=True)
    print(done.stdout, end="")
    problems = []
    if done.returncode == 0:
        problems.append("the install command succeeded")
    if CLEAR_MESSAGE.format(*MINIMUM) not in done.stdout:
        problems.append("no clear message naming the Python to install")
    if "matplotlib" in done.stdout or "ERROR:" in done.stdout:
        problems.append("pip ran and failed instead")
    if (copy / ".venv").exists():
        problems.append("a .venv was created anyway")
    return problems


def check_supported(python: str, version: tuple[int, int], install: str, test: str, work: Path) -> list[str]:
    """Problems with installing and testing the kit, exactly as the README says, on a supported Python."""
    copy = work / f"kit-{version[0]}.{version[1]}"
    scratch_copy(copy)
    started = time.monotonic()
    if run(with_python(install, python), copy, INSTALL_TIMEOUT).returncode != 0:
        return ["the README's install command failed"]
    print(f"(install took {time.monotonic() - started:.0f} s)", flush=True)
    started = time.monotonic()
    # The tests run beside .ci/run's own test run: isolated, so that neither can take a port the other chose.
    failed = run(test, copy, TEST_TIMEOUT, isolate=isolated.available()).returncode != 0
    print(f"(tests took {time.monotonic() - started:.0f} s)", flush=True)
    return ["the README's test command failed"] if failed else []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="only show the Pythons found")
    args = parser.parse_args(argv)
    pythons = find_pythons()
    default = runs_as("python3")
    print("Pythons found:", ", ".join(f"{a}.{b} ({p})" for (a, b), p in pythons.items()) or "none")
    print(f"default python3: {default and '%d.%d' % default}; supported: "
          f"{MINIMUM[0]}.{MINIMUM[1]} to {NEWEST_TESTED[0]}.{NEWEST_TESTED[1]} (and newer, untested)")
    if args.list:
        return 0
    install, test = readme_commands((ROOT / "README.md").read_text(encoding="utf-8"))
    supported = [v for v in pythons if v >= MINIMUM]
    to_test = sorted({supported[0], supported[-1]} - {default}) if supported else []
    too_old = [v for v in pythons if v < MINIMUM]
    failures = []
    with tempfile.TemporaryDirectory(prefix="kit-pythons-") as scratch:
        for version in too_old:
            print(f"== Python {version[0]}.{version[1]} (below the floor): the install command must refuse it",
                  flush=True)
            for problem in check_refused(pythons[version], version, install, Path(scratch)):
                failures.append(f"Python {version[0]}.{version[1]}: {problem}")
        for version in to_test:
            print(f"== Python {version[0]}.{version[1]}: the README's install and test commands", flush=True)
            for problem in check_supported(pythons[version], version, install, test, Path(scratch)):
                failures.append(f"Python {version[0]}.{version[1]}: {problem}")
    if not to_test:
        print("no supported Python besides the default one was found: nothing more to test here")
    if not too_old:
        print("no Python below the floor was found: the refusal was not checked here")
    for failure in failures:
        print(f"FAILED: {failure}")
    print("pythons: all checks passed" if not failures else f"pythons: {len(failures)} checks failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

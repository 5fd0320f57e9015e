"""What repo2docker would build for this repository, read without building it, and its base environment's pins.

Why a module of its own: .ci/binder.py builds and runs Binder's environment;
this part only reads. repo2docker ``--no-build --debug`` prints the
Dockerfile it would build, which names the Python it chose, the lock file of
its base environment (a conda ``@EXPLICIT`` list shipped inside the
repo2docker package), the requirements file pip installs, the user pip runs
as, and the postBuild script. tests/test_binder.py checks these against
``binder/``.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parent.parent
#: Binder's notebook user: name and uid as mybinder.org and repo2docker's defaults have them.
NB_USER, NB_UID = "jovyan", 1000
#: Conda package names whose PyPI name differs (the others are the same, up to - and _).
CONDA_TO_PYPI = {
    "brotli-python": "brotli",
    "jupyterhub-base": "jupyterhub",
    "nbconvert-core": "nbconvert",
    "python-fastjsonschema": "fastjsonschema",
}

# --- 1. repo2docker's plan -------------------------------------------------------------------

@dataclass
class Plan:
    """What repo2docker's Dockerfile says it would do with this repository."""

    python: str | None        # "3.11", from "Building conda environment for python=3.11"
    lock: str | None          # the base environment's lock file's name, in repo2docker's package
    requirements: str | None  # the file pip installs, "binder/requirements.txt"
    post_build: str | None    # the postBuild script it runs, "./binder/postBuild"
    runs_as_user: bool        # pip runs as ${NB_USER}, not root


def _unescape(name: str) -> str:
    """A build-context file's source path, decoded: repo2docker escapes it with escapism ('-' and two
    hex digits for each unsafe byte), appends '-' and six digits of a hash, and lower-cases it all.
    Only the file's name is trusted: a folder's capitals are lost."""
    return unquote(re.sub(r"-([0-9a-f]{2})", r"%\1", name[: -len("-123456")]))


def read_plan(dockerfile: str) -> Plan:
    """The parts of repo2docker's ``--no-build --debug`` output that say what it would build."""
    python = re.search(r"Building conda environment for python=(\d+\.\d+)", dockerfile)
    lock = None
    for source, target in re.findall(r"^COPY\s+\S+\s+build_script_files/(\S+)\s+(\S+)$", dockerfile, re.M):
        if target == "/tmp/env/environment.lock":
            lock = _unescape(source).rsplit("/", 1)[-1]
    pip = re.search(r"^RUN \$\{KERNEL_PYTHON_PREFIX\}/bin/pip install .*-r \"?([^\"\s]+)\"?$", dockerfile, re.M)
    user = None
    if pip:
        users = re.findall(r"^USER (\S+)$", dockerfile[: pip.start()], re.M)
        user = users[-1] if users else None
    post = re.search(r"^RUN (\./binder/postBuild)$", dockerfile, re.M)
    return Plan(
        python=python and python.group(1), lock=lock, requirements=pip and pip.group(1),
        post_build=post and post.group(1), runs_as_user=user == "${NB_USER}",
    )


def repo2docker_dockerfile(repo2docker: str, root: Path = ROOT) -> str:
    """The Dockerfile repo2docker would build for ``root``, for Binder's user, built by no engine."""
    done = subprocess.run(
        [repo2docker, "--no-build", "--debug", "--no-run", "--user-id", str(NB_UID), "--user-name", NB_USER,
         str(root)],
        capture_output=True, text=True, timeout=300,
    )
    if done.returncode != 0:
        raise RuntimeError(f"repo2docker --no-build failed:\n{done.stdout}{done.stderr}")
    return done.stdout + done.stderr


def lock_path(repo2docker: str, name: str) -> Path:
    """Where the lock file ``name`` lies in the repo2docker package installed beside ``repo2docker``."""
    python = Path(repo2docker).with_name("python")
    done = subprocess.run(
        [str(python), "-c", "import os, repo2docker.buildpacks.conda as c; print(os.path.dirname(c.__file__))"],
        capture_output=True, text=True, timeout=60, check=True,
    )
    return Path(done.stdout.strip()) / name


# --- 2. the base environment's pins ----------------------------------------------------------

def lock_entries(lock: str) -> list[tuple[str, str, str]]:
    """(name, version, build) of every package in a conda ``@EXPLICIT`` lock file."""
    entries = []
    for line in lock.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line.startswith("http"):
            continue
        filename = line.rsplit("/", 1)[-1]
        stem = re.sub(r"\.(conda|tar\.bz2)$", "", filename)
        name, version, build = stem.rsplit("-", 2)
        entries.append((name, version, build))
    return entries


def pypi_pins(lock: str) -> tuple[list[str], list[str]]:
    """The lock's Python packages as pip pins (``name==version``), and the entries skipped as conda-only.

    A conda-forge Python package's build string starts with ``py`` (``pyhd8ed1ab_0``,
    ``py311h...``); C libraries, Python itself and metapackages (``h...`` builds) have
    no PyPI counterpart.
    """
    pins, skipped = [], []
    for name, version, build in lock_entries(lock):
        if build.startswith("py"):
            pins.append(f"{CONDA_TO_PYPI.get(name, name)}=={version}")
        else:
            skipped.append(f"{name}=={version}")
    return pins, skipped

"""Binder's image: repo2docker's plan for binder/ (.ci/repo2docker_plan.py), and what .ci/binder.py compares.

The test that runs repo2docker needs the ``repo2docker`` command; it is not a
student's requirement, so it is not in requirements.txt. .ci/binder.py installs
it in a virtual environment of its own and runs this file with REPO2DOCKER
pointing at it; without it, that test skips and says so.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from tests.tool_loading import load_script

ROOT = Path(__file__).resolve().parent.parent


def load(name: str):
    return load_script(ROOT / ".ci" / f"{name}.py", f"ci_{name}", search=ROOT / ".ci")


binder = load("binder")
r2d_plan = load("repo2docker_plan")


def runtime_version() -> str:
    return (ROOT / "binder" / "runtime.txt").read_text().strip().removeprefix("python-")


def test_repo2docker_builds_from_binder_with_the_runtime_python():
    repo2docker = os.environ.get("REPO2DOCKER") or shutil.which("repo2docker")
    if not repo2docker:
        pytest.skip("repo2docker is not installed here; .ci/binder.py installs it and runs this test")
    plan = r2d_plan.read_plan(r2d_plan.repo2docker_dockerfile(repo2docker))
    assert plan.python == runtime_version() == "3.11"
    assert plan.requirements == "binder/requirements.txt", "repo2docker must read binder/, not the root"
    assert plan.runs_as_user, "pip must run as the notebook user, as on Binder"
    assert plan.post_build == "./binder/postBuild"
    assert plan.lock == f"environment.py-{runtime_version()}-linux-64.lock"
    lock = r2d_plan.lock_path(repo2docker, plan.lock)
    assert lock.is_file(), "the base environment's lock file ships in repo2docker's package"
    pins, _ = r2d_plan.pypi_pins(lock.read_text())
    assert any(pin.startswith("jupyterlab==") for pin in pins), "the base environment holds JupyterLab"


SAMPLE_DOCKERFILE = """\
Building conda environment for python=3.12
COPY --chown=1000:1000 build_script_files/-2fsrv-2frepo2docker-2fbuildpacks-2fconda-2fenvironment-2epy-2d3-2e12-2dlinux-2d64-2elock-29c1e9 /tmp/env/environment.lock
USER root
COPY --chown=1000:1000 src/ ${REPO_DIR}/
USER ${NB_USER}
RUN ${KERNEL_PYTHON_PREFIX}/bin/pip install --no-cache-dir -r "binder/requirements.txt"
RUN ./binder/postBuild
"""


def test_the_plan_is_read_from_the_dockerfile():
    plan = r2d_plan.read_plan(SAMPLE_DOCKERFILE)
    assert plan.python == "3.12"
    assert plan.lock == "environment.py-3.12-linux-64.lock"
    assert plan.requirements == "binder/requirements.txt"
    assert plan.runs_as_user and plan.post_build == "./binder/postBuild"
    as_root = SAMPLE_DOCKERFILE.replace("USER ${NB_USER}", "USER root")
    assert not r2d_plan.read_plan(as_root).runs_as_user
    root_requirements = SAMPLE_DOCKERFILE.replace('"binder/requirements.txt"', '"requirements.txt"')
    assert r2d_plan.read_plan(root_requirements).requirements == "requirements.txt"


SAMPLE_LOCK = """\
# platform: linux-64
@EXPLICIT
https://conda.anaconda.org/conda-forge/linux-64/_libgcc_mutex-0.1-conda_forge.tar.bz2#d7c8
https://conda.anaconda.org/conda-forge/linux-64/python-3.11.14-hfe2f287_1_cpython.conda#aa
https://conda.anaconda.org/conda-forge/noarch/jupyterlab-4.4.9-pyhd8ed1ab_0.conda#bb
https://conda.anaconda.org/conda-forge/linux-64/brotli-python-1.1.0-py311h1ddb823_4.conda#cc
https://conda.anaconda.org/conda-forge/noarch/nbconvert-core-7.16.6-pyh29332c3_0.conda#dd
https://conda.anaconda.org/conda-forge/noarch/typing-extensions-4.15.0-h396c80c_0.conda#ee
https://conda.anaconda.org/conda-forge/noarch/python-dateutil-2.9.0.post0-pyhe01879c_2.conda#ff
https://conda.anaconda.org/conda-forge/linux-64/libedit-3.1.20250104-pl5321h7949ede_0.conda#gg
"""


def test_the_lock_gives_pypi_pins_and_skips_what_is_conda_only():
    pins, skipped = r2d_plan.pypi_pins(SAMPLE_LOCK)
    assert pins == ["jupyterlab==4.4.9", "brotli==1.1.0", "nbconvert==7.16.6", "python-dateutil==2.9.0.post0"]
    assert skipped == ["_libgcc_mutex==0.1", "python==3.11.14", "typing-extensions==4.15.0",
                       "libedit==3.1.20250104"]


def _notebook(outputs_by_id: dict[str, str]) -> dict:
    cells = [{"cell_type": "code", "id": "c1", "source": "x = names.can_bind_low_ports()",
              "outputs": [{"output_type": "stream", "name": "stdout", "text": outputs_by_id["c1"]}]},
             {"cell_type": "code", "id": "c2", "source": "print(port)",
              "outputs": [{"output_type": "stream", "name": "stdout", "text": outputs_by_id["c2"]}]}]
    return json.loads(json.dumps({"cells": cells}))


def test_low_port_cells_must_print_the_same_for_an_ordinary_user():
    saved = _notebook({"c1": "explains: True\n", "c2": "40000\n"})
    same = _notebook({"c1": "explains: True\n", "c2": "51234\n"})  # c2 is not a low-port cell
    assert binder.low_port_differences(saved, same) == []
    other = _notebook({"c1": "explains: False\n", "c2": "40000\n"})
    assert len(binder.low_port_differences(saved, other)) == 1
    in_pieces = _notebook({"c1": "expl", "c2": "40000\n"})
    in_pieces["cells"][0]["outputs"].append({"output_type": "stream", "name": "stdout", "text": "ains: True\n"})
    assert binder.low_port_differences(saved, in_pieces) == [], "a stream that arrived in two pieces is the same"


def test_the_real_low_port_cells_are_found_in_notebook_04():
    saved = json.loads((ROOT / "notebooks" / "04-addresses-and-ports.ipynb").read_text(encoding="utf-8"))
    found = [c for c in saved["cells"] if c["cell_type"] == "code"
             and any(name in "".join(c["source"]) for name in binder.LOW_PORT_CELLS)]
    assert len(found) >= 2, "notebook 04's low-port cells are no longer found by .ci/binder.py"

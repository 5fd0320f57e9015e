"""Check Binder's image as far as a machine without a container engine can: build its Python environment the way repo2docker does, and run every notebook in it as an ordinary user.

Why: the Binder badge is the first thing many students click, and a broken
image shows only there, after a long build. repo2docker (a pip package) can
say what it would build without building it (``--no-build``); the rest can
be assembled from the same parts on this machine:

1. repo2docker's plan: ``repo2docker --no-build --debug --no-run`` prints the
   Dockerfile. tests/test_binder.py checks that it builds from ``binder/``
   with the Python of ``binder/runtime.txt`` (this script runs that test with
   the repo2docker it installs).
2. The base environment: repo2docker creates it with micromamba from a lock
   file that ships inside its package (``environment.py-3.11-linux-64.lock``
   for Python 3.11). Its Python packages are installed here from the registry
   at the same versions, into a virtual environment of the same Python minor
   version. Conda-only entries (C libraries, Python itself, conda
   metapackages) have no PyPI release and are listed as skipped; so is any
   version the registry lacks.
3. ``pip install -r binder/requirements.txt`` from the repository's root, as
   repo2docker runs it, then ``pip check``: a conflict between Binder's base
   packages and the kit's pins fails here, not on Binder.
4. ``binder/postBuild``, as repo2docker runs it; then a JupyterLab server
   started from the environment must report the defaults of
   ``binder/overrides.json`` (no "Jupyter news" question, cell timings recorded).
5. Every notebook executed with nbclient (.ci/execute_notebooks.py): no error
   outside the cells tagged ``raises-exception``.

Binder runs everything as an ordinary user (``jovyan``, uid 1000), never as
root, and so must this check: run as root (as CI is), it creates that user
if the machine lacks it, works in a folder the user owns, and runs steps 2
to 5 as the user, who has no capability to bind ports below 1024. The cells
of notebook 04 about low ports must then print the same text as the saved
outputs, which were made as root.

    sudo python3 .ci/binder.py          # what .ci/run does
    python3 .ci/binder.py --keep        # keep the scratch folder, to look around
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
import isolated  # noqa: E402
from pythons import find_all_pythons, scratch_copy  # noqa: E402
from repo2docker_plan import NB_UID, NB_USER, lock_path, pypi_pins, read_plan, repo2docker_dockerfile  # noqa: E402

#: The repo2docker release whose plan and base environment are checked (mybinder.org's, 2026-11).
REPO2DOCKER = "jupyter-repo2docker==2026.4.0"
#: Bounds: one pip install (downloads included), one notebook run, a JupyterLab start.
PIP_TIMEOUT = 900
NOTEBOOKS_TIMEOUT = 900
LAB_START_TIMEOUT = 90
#: The JupyterLab settings binder/overrides.json must change, and the default each must then have:
#: no "Jupyter news" question, and cell timings recorded (instructors/student_times.py reads them).
LAB_DEFAULTS = {
    ("@jupyterlab/apputils-extension:notification", "fetchNews"): "false",
    ("@jupyterlab/notebook-extension:tracker", "recordTiming"): True,
}
#: Notebook 04's cells about low ports: found by what their code calls.
LOW_PORT_CELLS = ("can_bind_low_ports", "check_bind_preferred")


# --- running as Binder's user ----------------------------------------------------------------

class User:
    """The ordinary user the environment is built and run as (Binder's jovyan), created if need be."""

    def __init__(self) -> None:
        self.created = False
        if os.geteuid() != 0:  # already an ordinary user: run as ourselves
            entry = pwd.getpwuid(os.geteuid())
        else:
            try:
                entry = pwd.getpwnam(NB_USER)
            except KeyError:
                uid_free = not any(e.pw_uid == NB_UID for e in pwd.getpwall())
                subprocess.run(
                    ["useradd", "--user-group", "--no-create-home", "--shell", "/bin/bash"]
                    + (["--uid", str(NB_UID)] if uid_free else []) + [NB_USER],
                    check=True, timeout=60,
                )
                self.created = True
                entry = pwd.getpwnam(NB_USER)
            if entry.pw_uid == 0:
                raise RuntimeError(f"user {NB_USER} is root: Binder's user never is")
        self.name, self.uid, self.gid = entry.pw_name, entry.pw_uid, entry.pw_gid

    def python(self, candidates: list[str]) -> str | None:
        """The first interpreter of ``candidates`` this user can run and make a venv with.

        (pyenv's Pythons under /root are out of an ordinary user's reach.)
        """
        for candidate in candidates:
            try:
                tried = self.run([candidate, "-c", "import venv, ensurepip"], Path("/"), Path("/"), timeout=60,
                                 capture=True, check=False)
            except PermissionError:  # a folder on the way is closed to this user
                continue
            if tried.returncode == 0:
                return candidate
        return None

    def own(self, path: Path) -> None:
        if os.geteuid() == 0:
            subprocess.run(["chown", "-R", f"{self.uid}:{self.gid}", str(path)], check=True, timeout=300)

    def run(self, command: list[str], home: Path, cwd: Path, env_bin: Path | None = None, timeout: int = 600,
            capture: bool = False, check: bool = True, isolate: bool = False) -> subprocess.CompletedProcess:
        """``command`` as this user, with HOME at ``home`` (Binder's home is the repository).

        With ``isolate`` (and root), in a network namespace of its own (.ci/isolated.py): .ci/run runs the
        notebooks here while its main test run runs them too, and a port one run chose must stay free for the other.
        """
        env = {k: v for k, v in os.environ.items() if k.startswith(("PIP_", "LANG", "LC_"))}
        env.update(HOME=str(home), USER=self.name, LOGNAME=self.name, NB_USER=self.name,
                   PATH=os.pathsep.join(([str(env_bin)] if env_bin else []) + ["/usr/local/bin", "/usr/bin", "/bin"]))
        kwargs = dict(user=self.uid, group=self.gid, extra_groups=[]) if os.geteuid() == 0 else {}
        if isolate and isolated.available():
            command, kwargs = isolated.prefix((self.uid, self.gid)) + command, {}
        print(f"$ {' '.join(command)}", flush=True)
        return subprocess.run(
            command, cwd=cwd, env=env, timeout=timeout, check=check, text=True,
            stdout=subprocess.PIPE if capture else None, stderr=subprocess.STDOUT if capture else None, **kwargs,
        )

    def remove(self) -> None:
        if self.created:
            subprocess.run(["userdel", self.name], check=False, timeout=60)


def pip_install_available(user: User, pip: list[str], pins: list[str], home: Path, work: Path) -> list[str]:
    """Install ``pins`` without dependencies; drop (and return) the ones the registry does not have."""
    missing: list[str] = []
    remaining = list(pins)
    for _ in range(len(pins) + 1):
        (work / "base.txt").write_text("\n".join(remaining) + "\n")
        done = user.run(pip + ["install", "--no-deps", "-q", "-r", str(work / "base.txt")], home, work,
                        timeout=PIP_TIMEOUT, capture=True, check=False)
        if done.returncode == 0:
            return missing
        lacking = re.search(r"No matching distribution found for (\S+)", done.stdout)
        if not lacking or lacking.group(1) not in remaining:
            raise RuntimeError(f"pip could not install the base environment:\n{done.stdout[-3000:]}")
        missing.append(lacking.group(1))
        remaining.remove(lacking.group(1))
    raise RuntimeError("pip kept failing on the base environment")


# --- 4. JupyterLab's settings ----------------------------------------------------------------

class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: str) -> None:
        super().__init__("localhost", timeout=10)
        self.unix_path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(10)
        self.sock.connect(self.unix_path)


def lab_setting_defaults(user: User, env: Path, repo: Path, work: Path) -> dict[tuple[str, str], object]:
    """The default JupyterLab's server gives each setting of LAB_DEFAULTS, from a server started in ``env``.

    The server listens on a Unix socket in the scratch folder, so no port is taken.
    """
    sock_path, token = work / "lab.sock", secrets.token_hex(16)
    command = [str(env / "bin" / "jupyter"), "lab", "--no-browser", f"--ServerApp.sock={sock_path}",
               f"--IdentityProvider.token={token}", "--ServerApp.open_browser=False"]
    env_vars = {"HOME": str(repo), "USER": user.name, "PATH": f"{env / 'bin'}:/usr/bin:/bin"}
    kwargs = dict(user=user.uid, group=user.gid, extra_groups=[]) if os.geteuid() == 0 else {}
    log = open(work / "lab.log", "w")
    server = subprocess.Popen(command, cwd=repo, env=env_vars, stdout=log, stderr=subprocess.STDOUT, **kwargs)
    try:
        deadline = time.monotonic() + LAB_START_TIMEOUT
        found: dict[tuple[str, str], object] = {}
        for plugin, setting in LAB_DEFAULTS:
            while True:
                try:
                    connection = _UnixHTTPConnection(str(sock_path))
                    connection.request("GET", f"/lab/api/settings/{plugin}?token={token}")
                    response = connection.getresponse()
                    body = response.read()
                    connection.close()
                    if response.status == 200:
                        break
                except OSError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"JupyterLab did not answer:\n{(work / 'lab.log').read_text()[-3000:]}")
                time.sleep(0.5)  # waiting for a server's start: bounded by the deadline above
            found[plugin, setting] = json.loads(body)["schema"]["properties"][setting]["default"]
        return found
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)
        log.close()


# --- 5. the notebooks ------------------------------------------------------------------------

def _texts(cell: dict) -> list[str]:
    """A cell's outputs as text; consecutive stream outputs joined, since a stream may arrive in pieces."""
    out: list[str] = []
    last_stream = None
    for output in cell.get("outputs", []):
        text = output.get("text") or output.get("data", {}).get("text/plain") or output.get("evalue", "")
        text = "".join(text) if isinstance(text, list) else text
        stream = output.get("name") if output.get("output_type") == "stream" else None
        if stream and stream == last_stream:
            out[-1] += text
        else:
            out.append(text)
        last_stream = stream
    return out


def low_port_differences(saved: dict, executed: dict) -> list[str]:
    """Notebook 04's low-port cells whose output as this user differs from the saved output (made as root)."""
    differences = []
    cells = {c.get("id"): c for c in executed["cells"]}
    for cell in saved["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "code" and any(name in source for name in LOW_PORT_CELLS):
            mine = _texts(cells.get(cell.get("id"), {}))
            if mine != _texts(cell):
                differences.append(f"cell {cell.get('id')}: saved {_texts(cell)!r}, as {NB_USER}: {mine!r}")
    return differences


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument(
        "--python", default=str(ROOT / ".venv/bin/python"),
        help="the kit's environment's Python, which runs tests/test_binder.py (default: .venv's; "
             ".ci/run passes CI's own)",
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="kit-binder-"))
    work.chmod(0o755)
    user = User()
    failures: list[str] = []
    try:
        print("== 1. repo2docker's plan (--no-build: no container engine needed)", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(work / "r2d")], check=True, timeout=120)
        subprocess.run([str(work / "r2d/bin/pip"), "install", "-q", REPO2DOCKER], check=True, timeout=PIP_TIMEOUT)
        repo2docker = str(work / "r2d/bin/repo2docker")
        test = subprocess.run(
            [args.python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs",
             "tests/test_binder.py",
             # repo2docker's base image brings a C compiler for notebook 10 (or binder/apt.txt must)
             "tests/test_c_and_python.py::test_binder_s_base_image_brings_a_c_compiler"],
            cwd=ROOT, env={**os.environ, "REPO2DOCKER": repo2docker}, timeout=600,
        )
        if test.returncode != 0:
            failures.append("tests/test_binder.py failed with repo2docker installed")
        plan = read_plan(repo2docker_dockerfile(repo2docker))
        print(f"python {plan.python}, base lock {plan.lock}, pip -r {plan.requirements} "
              f"as the notebook user: {plan.runs_as_user}, postBuild: {plan.post_build}")
        version = tuple(int(part) for part in plan.python.split("."))
        python = user.python(find_all_pythons().get(version, []))
        if python is None:
            raise RuntimeError(f"no Python {plan.python} with venv that user {user.name} may run on this machine")

        print(f"== 2. the base environment: Python {plan.python} ({python}) and the lock's Python packages",
              flush=True)
        pins, conda_only = pypi_pins(lock_path(repo2docker, plan.lock).read_text())
        print(f"{len(pins)} Python packages; conda-only, skipped: {', '.join(conda_only)}")
        repo, env = work / "repo", work / "env"
        scratch_copy(repo)
        user.own(work)
        print(f"as user {user.name} (uid {user.uid}); repository copied to {repo} (its home, as on Binder)")
        user.run([python, "-m", "venv", str(env)], repo, work)
        pip = [str(env / "bin/python"), "-m", "pip"]
        missing = pip_install_available(user, pip, pins, repo, work)
        print("not in the registry, skipped:", ", ".join(missing) or "none")

        print("== 3. pip install -r binder/requirements.txt, from the repository's root; pip check", flush=True)
        user.run(pip + ["install", "--no-cache-dir", "-q", "-r", plan.requirements], repo, repo,
                 env_bin=env / "bin", timeout=PIP_TIMEOUT)
        checked = user.run(pip + ["check"], repo, repo, env_bin=env / "bin", capture=True, check=False)
        print(checked.stdout.strip())
        if checked.returncode != 0:
            failures.append(f"pip check: {checked.stdout.strip()}")
        for name in ("jupyterlab", "notebook"):
            shown = user.run(pip + ["show", name], repo, repo, capture=True, check=False).stdout
            print(name, (re.search(r"^Version: (\S+)", shown, re.M) or [None, "missing"])[1])

        print("== 4. postBuild, then JupyterLab's defaults: the news question, cell timings", flush=True)
        user.run([plan.post_build], repo, repo, env_bin=env / "bin", timeout=120)
        for (plugin, setting), value in lab_setting_defaults(user, env, repo, work).items():
            print(f"{plugin} {setting}: {value!r}")
            if value != LAB_DEFAULTS[plugin, setting]:
                failures.append(f"JupyterLab's {setting} default is {value!r}, not {LAB_DEFAULTS[plugin, setting]!r}")

        print(f"== 5. every notebook, executed as {user.name}", flush=True)
        capable = user.run([str(env / "bin/python"), "-c",
                            "from sockutil import names; print(names.can_bind_low_ports())"],
                           repo, repo, capture=True, isolate=True).stdout.strip()
        print(f"may {user.name} bind ports below 1024? {capable}")
        if capable != "False":
            failures.append(f"{user.name} may bind low ports: the ordinary user's case was not tried")
        executed = work / "executed"
        run = user.run([str(env / "bin/python"), ".ci/execute_notebooks.py", "--save", str(executed)],
                       repo, repo, env_bin=env / "bin", timeout=NOTEBOOKS_TIMEOUT, check=False, isolate=True)
        if run.returncode != 0:
            failures.append("a notebook raised an unexpected error as the ordinary user")
        name = "04-addresses-and-ports.ipynb"
        saved = json.loads((ROOT / "notebooks" / name).read_text(encoding="utf-8"))
        ran = json.loads((executed / name).read_text(encoding="utf-8"))
        differences = low_port_differences(saved, ran)
        checked_cells = sum(1 for c in saved["cells"] if c["cell_type"] == "code"
                            and any(n in "".join(c["source"]) for n in LOW_PORT_CELLS))
        print(f"notebook 04's {checked_cells} low-port cells print as {user.name} what they print as root:",
              not differences)
        failures.extend(differences)
    except (RuntimeError, subprocess.SubprocessError, OSError) as error:
        failures.append(f"{type(error).__name__}: {error}")
    finally:
        if args.keep:
            print(f"scratch folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
        user.remove()
    for failure in failures:
        print(f"FAILED: {failure}")
    print(f"binder: {'all checks passed' if not failures else f'{len(failures)} checks failed'} "
          f"({time.monotonic() - started:.0f} s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

"""tools/student_package.py: the student package holds no answer, and every notebook in it runs.

Built once per run into a temporary folder, then:

* nothing of the instructor edition's answers is in it: no tests, no gallery, no solution markers, and
  no distinctive code line of any worked solution (the notebooks' solution cells, lab 09's included,
  and the gallery's ``right.py`` files) in any of its files;
* no function of its ``sockutil`` answers an exercise: a kit function named like an exercise's
  function must be refused by that exercise's check, and each exercise's self-check, run in a fresh
  Python that imports the *package's* sockutil, fails the kit's closest helpers (``NEAR_ANSWERS``);
* every notebook of the package runs in a fresh kernel, with the package's sockutil first on the path,
  up to its last exercise without an error: the cells before it, the earlier exercises' self-checks
  on their stubs included (in parallel: each notebook its own kernel).
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import nbformat
import pytest

from tests.tool_loading import load_script, load_tool

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))


tool = load_tool("student_package")
edition = load_tool("student_edition")
table = load_tool("nbgrader_cells")

#: Seconds a notebook may take to reach its last exercise: the slowest takes a few seconds alone.
NOTEBOOK_TIMEOUT = 240

#: Notebooks executed at once, each in its own kernel: kernels mostly wait, so more than the cores.
PARALLEL = 4


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> Path:
    destination = tmp_path_factory.mktemp("student") / "sockets-student"
    assert tool.main([str(destination), "--archive"]) == 0
    return destination


def package_files(package: Path) -> list[Path]:
    return sorted(p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


# ------------------------------------------------------------------ contents
def test_the_package_has_what_a_student_needs_and_nothing_else(package):
    top = sorted(p.name for p in package.iterdir())
    optional = [name for name in tool.OPTIONAL_FILES if (ROOT / name).is_file()]
    assert top == sorted(["README.md", "STUDENT_PACKAGE", "binder", "docs", "notebooks", "pyproject.toml",
                          "requirements.txt", "sockutil", "tools", *optional])
    assert [p.name for p in (package / "tools").iterdir()] == ["check_python.py"]
    assert sorted(p.name for p in (package / "notebooks").glob("*.ipynb")) == [p.name for p in NOTEBOOKS]
    assert not any(part in {"tests", "wrong_solutions", "benchmarks", ".ci", ".github"}
                   for p in package_files(package) for part in p.relative_to(package).parts)
    with zipfile.ZipFile(package.parent / "sockets-student.zip") as archive:
        names = {name for name in archive.namelist() if not name.endswith("/")}
    assert names == {f"sockets-student/{p.relative_to(package).as_posix()}" for p in package_files(package)}


def test_its_notebooks_are_the_student_edition(package):
    for path in NOTEBOOKS:
        student = nbformat.read(package / "notebooks" / path.name, as_version=4)
        expected = edition.student_copy(nbformat.read(path, as_version=4), path.name)
        assert [c.source for c in student.cells] == [c.source for c in expected.cells], path.name
        assert all(c.get("outputs", []) == [] for c in student.cells)


def test_it_installs_with_the_notebooks_pins_and_no_test_tools(package):
    requirements = (package / "requirements.txt").read_text()
    instructor = (ROOT / "requirements.txt").read_text()
    pinned = re.findall(r"^([A-Za-z0-9_.-]+)==\S+", requirements, re.MULTILINE)
    assert pinned == list(tool.STUDENT_REQUIREMENTS)
    for line in requirements.splitlines():
        if "==" in line:
            assert re.search(rf"^{re.escape(line)}$", instructor, re.MULTILINE), f"{line}: not the kit's pin"
    assert "-e ." in requirements.splitlines()
    pyproject = (package / "pyproject.toml").read_text()
    assert "[project]" in pyproject and "pytest" not in pyproject and "nbval" not in pyproject


def test_its_readme_has_the_student_parts_only(package):
    readme = (package / "README.md").read_text()
    headings = re.findall(r"^## (.+)$", readme, re.MULTILINE)
    assert headings == [h for h in re.findall(r"^## (.+)$", (ROOT / "README.md").read_text(), re.MULTILINE)
                        if h in tool.STUDENT_SECTIONS or tool.OPTIONAL_STUDENT_SECTIONS.search(h)]
    assert set(tool.STUDENT_SECTIONS) <= set(headings)
    assert "**This is the student edition.**" in readme
    assert not tool.INSTRUCTOR_WORDS.search(readme.replace("**This is the student edition.** Its notebooks have "
                                                           "an exercise with a self-check where the instructor "
                                                           "edition has a worked solution", ""))
    assert "python3 tools/check_python.py && python3 -m venv .venv" in readme   # the install command
    links = re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", readme)   # relative links and images, not URLs
    assert any(link.startswith("notebooks/") for link in links) and any(link.endswith(".png") for link in links)
    for link in links:
        assert (package / link).exists(), f"the student README links {link}, which the package lacks"
    kept_subheadings = re.findall(r"^### (.+)$", readme, re.MULTILINE)
    assert "What needs the internet" in kept_subheadings, "a kept subsection keeps its heading"


def test_the_readme_filter_keeps_a_sentence_and_drops_its_clause_about_tests():
    text = ("# Kit\n\nIntro.\n\n## Quick start\n\nInstall it; the tests take a minute. Then run it.\n\n"
            "The tests need pytest.\n\n```bash\npython -m pytest\n```\n\n- `tests/`: unit tests\n- `sockutil/`: helpers\n\n"
            "## For instructors\n\nGrade it.\n\n## Licence\n\nMIT.\n\n## Pythons\n\nAny.\n\n## Syllabus\n\nx\n\n"
            "## sockutil in brief\n\ny\n\n## Troubleshooting\n\nz\n")
    readme = tool.student_readme(text)
    assert "Install it. Then run it." in readme
    assert "pytest" not in readme and "tests" not in readme and "Grade it" not in readme
    assert "- `sockutil/`: helpers" in readme
    assert "## Licence\n\nMIT." in readme, "an optional student section is kept where the README has it"


def test_a_folder_that_is_not_a_student_package_is_never_replaced(tmp_path, capsys):
    (tmp_path / "mine.txt").write_text("a student's own work")
    assert tool.main([str(tmp_path)]) == 1
    assert "holds no student package" in capsys.readouterr().err
    assert (tmp_path / "mine.txt").read_text() == "a student's own work"


def test_the_package_is_never_written_into_the_kit(capsys):
    assert tool.main([str(ROOT / "student")]) == 1
    assert "outside the kit's own folder" in capsys.readouterr().err
    assert not (ROOT / "student").exists()


# ------------------------------------------------------------ no solution text
#: Lines a worked solution shares with the kit's plumbing as any socket code does: idioms, not answers.
COMMON_IDIOMS = {
    "with contextlib.suppress(OSError):",
    "sock.shutdown(socket.SHUT_RDWR)",
    'line, _, buffer = buffer.partition(b"\\n")',
}


def _solution_lines() -> set[str]:
    """Distinctive code lines of every worked solution: long enough to mean something, absent from the
    instructor notebooks' other cells (a stub's ``def`` line and docstring are shared with it)."""
    lines: set[str] = set()
    shared: set[str] = set()
    for path in NOTEBOOKS:
        for cell in nbformat.read(path, as_version=4).cells:
            target = lines if "solution" in cell.metadata.get("tags", []) and cell.cell_type == "code" else shared
            target.update(line.strip() for line in cell.source.splitlines())
    for right in (ROOT / "tests" / "wrong_solutions").glob("*/right.py"):
        lines.update(line.strip() for line in right.read_text().splitlines())
    return {line for line in lines - shared - COMMON_IDIOMS
            if len(line) >= 30 and not line.startswith(("#", '"""', "###", "from ", "import "))}


def _texts(package: Path):
    for path in package_files(package):
        if path.suffix == ".ipynb":
            for cell in nbformat.read(path, as_version=4).cells:
                yield f"{path.name} {cell.get('id')}", cell.source
        elif path.suffix in {".py", ".md", ".txt", ".toml", ".cfg", ".json", ""}:
            yield str(path.relative_to(package)), path.read_text(encoding="utf-8", errors="replace")


def test_no_line_of_a_worked_solution_is_in_the_package(package):
    solutions = _solution_lines()
    assert len(solutions) > 100, "the comparison must have the solutions to compare with"
    assert {"parts = urllib.parse.urlsplit(url)",                       # notebook 04's, from its cell
            "while (line := peer.line()) is not None:",                 # the lab's, in the notebook and gallery
            "if (length < 0 || (size_t)length >= sizeof line)"} <= solutions   # notebook 10's C
    found = []
    for where, text in _texts(package):
        assert "### BEGIN SOLUTION" not in text and "### END SOLUTION" not in text, where
        found += [(where, line.strip()) for line in text.splitlines() if line.strip() in solutions]
    assert not found, "solution lines in the student package:\n" + "\n".join(f"{w}: {l}" for w, l in found)


# ------------------------------------------------------- no function answers
#: The function names a student writes: every exercise's, and every function its stub defines.
def _exercise_functions() -> dict[str, str]:
    names = {}
    for name, exercises in table.EXERCISES.items():
        nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
        stubs = {cell.get("id"): cell.source for cell in nb.cells}
        for exercise in exercises:
            for function in edition._defined_names(stubs[exercise.stub]):
                names[function] = exercise.name.removeprefix("pasted_")
    return names


def test_a_kit_function_named_like_an_exercise_is_refused_by_that_exercise_check(package):
    guard = _load_package_module(package, "exercise_guard")
    exercises = _exercise_functions()
    assert {"bind_preferred", "send_messages", "receive_messages", "drain", "serve_kv"} <= set(exercises)
    for path in (package / "sockutil").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in exercises:
                exercise = exercises[node.name]
                assert node.name in guard.EXERCISE_HELPERS.get(exercise, ()), \
                    f"{path.relative_to(package)} defines {node.name}, exercise {exercise}'s function"


def _load_package_module(package: Path, name: str):
    return load_script(package / "sockutil" / f"{name}.py", f"student_{name}")


#: For each exercise, the closest a student gets with the kit's helpers alone: ``(check, code)``.
#: The code defines the exercise's functions from helpers of the package's sockutil; each must fail
#: its self-check. Exercises whose answer no helper comes near are listed in ``NOTHING_NEAR``.
NEAR_ANSWERS: dict[str, tuple[str, str]] = {
    "shout": ("start_here:check_shout", """
        def shout(port, text):
            with sockutil.connect(port) as sock:
                return sockutil.send_and_receive(sock, text.encode()).decode()
        CALL = (shout,)"""),
    "messages": ("message_passing:check_messages", """
        def send_messages(sock, messages):
            for message in messages:
                sock.sendall(sockutil.encode_length_prefixed(message))
        def receive_messages(sock):
            decoder, messages = sockutil.LengthPrefixDecoder(), []
            while data := sock.recv(65536):
                messages += decoder.feed(data)
            return messages
        CALL = (send_messages, receive_messages)"""),
    "ask": ("client_server:check_ask", """
        def ask(port, question):
            return sockutil.request(port, question.encode() + b"\\n").decode().rstrip("\\n")
        CALL = (ask,)"""),
    "bind_preferred, from listening_socket": ("addresses:check_bind_preferred", """
        def bind_preferred(port, host="127.0.0.1"):
            try:
                return sockutil.names.listening_socket(host, port)
            except sockutil.PortInUseError:
                return sockutil.names.listening_socket(host, 0)
        CALL = (bind_preferred,)"""),
    "drain": ("socket_api:check_drain", """
        CALL = (sockutil.recv_until_closed,)"""),
    "drain, from its chunks": ("socket_api:check_drain", """
        def drain(sock):
            return b"".join(sockutil.recv_chunks(sock))
        CALL = (drain,)"""),
    "read_lines": ("byte_streams:check_read_lines", """
        def read_lines(sock, bufsize=4096, max_line=1000):
            decoder = sockutil.LineDecoder(max_size=max_line)
            while data := sock.recv(bufsize):
                for line in decoder.feed(data):
                    yield line.decode()
            if decoder.buffered:
                yield decoder.buffered.decode()
        CALL = (read_lines,)"""),
    "read_frame": ("byte_streams:check_read_frame", """
        def read_frame(sock, max_size=1_000_000):
            decoder = sockutil.LengthPrefixDecoder(max_size=max_size)
            while True:
                data = sock.recv(1)
                if not data:
                    if decoder.buffered:
                        raise ConnectionError("closed mid-frame")
                    return None
                for body in decoder.feed(data):
                    return body
        CALL = (read_frame,)"""),
    "reassemble": ("segments:check_reassemble", """
        def reassemble(first_seq, arrivals):
            receiver = sockutil.netsim.Receiver(first_seq)
            acks = [receiver.on_segment(seq, payload)[0] for seq, payload in arrivals]
            return bytes(receiver.stream), acks
        CALL = (reassemble,)"""),
}

#: A near answer that fails on the statement itself, not by the guard: the words its check says.
NEAR_FAILS_BY = {"bind_preferred, from listening_socket": "without calling listen()"}

#: Exercises no helper of the kit comes near, and why (the report of issue 13 says more).
NOTHING_NEAR = {
    "serve_n": "no kit function serves clients on a listener it is given",
    "parse_ipv4_header": "capture.tcp_view reads a frame's TCP fields; it checks nothing and returns no dict",
    "parse_endpoint": "names.service_port is the building block the statement names; the URL is the student's",
    "serve_once": "Server binds its own listener: it cannot announce the port, serve once and return the bytes",
    "fill_send_buffer": "no kit function sends on a non-blocking socket until it would block",
    "serve_upper": "Server and the concurrency models bind listeners of their own, not the one given",
    "serve_kv": "the checks hold a key-value client only (lab_client); no server is in the kit",
    "greet": "the check's C server calls the student's greet(); no greet.c is in the kit",
    "fill_buffer": "throughput's receiver is private and reads into its own buffer, counting no calls",
}

RUN_NEAR_ANSWERS = """
import contextlib, io, json, sys, textwrap
sys.path.insert(0, sys.argv[1])
import sockutil, sockutil.netsim, sockutil.names
assert sockutil.__file__.startswith(sys.argv[1]), sockutil.__file__
import importlib
results = {}
for name, (check, code) in json.loads(sys.argv[2]).items():
    module, function = check.split(":")
    check_fn = getattr(importlib.import_module("sockutil.checks." + module), function)
    space = {"sockutil": sockutil}
    exec(textwrap.dedent(code), space)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        report = check_fn(*space["CALL"])
    results[name] = {"passed": report.passed, "out": out.getvalue()}
print(json.dumps(results))
"""


def test_every_exercise_is_either_near_a_helper_or_far_from_all():
    exercises = {exercise.name for exercises in table.EXERCISES.values() for exercise in exercises}
    exercises = {name.removeprefix("pasted_") for name in exercises}
    near = {name.split(",")[0] for name in NEAR_ANSWERS}
    assert near | set(NOTHING_NEAR) == exercises and not near & set(NOTHING_NEAR)


def test_no_helper_of_the_package_passes_an_exercise_check(package):
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run([sys.executable, "-c", RUN_NEAR_ANSWERS, str(package), json.dumps(NEAR_ANSWERS)],
                          capture_output=True, text=True, timeout=240, cwd=package, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(done.stdout.splitlines()[-1])
    assert set(results) == set(NEAR_ANSWERS)
    for name, result in results.items():
        assert not result["passed"], f"{name}: the kit's helpers pass its check:\n{result['out']}"
        # Refused as the kit's own, or (a socket that listens already) failed on what the statement asks.
        words = NEAR_FAILS_BY.get(name, "the kit's own version of this exercise")
        assert words in result["out"], (name, result["out"])


# ------------------------------------------------------------ notebooks run
RUN_NOTEBOOKS = """
import asyncio, json, sys
import nbformat
from nbclient import NotebookClient
paths, folder, timeout, env, parallel = json.loads(sys.argv[1])


async def run(path, slots):
    async with slots:
        nb = nbformat.read(path, as_version=4)
        client = NotebookClient(nb, timeout=timeout, allow_errors=True, kernel_name="python3",
                                resources={"metadata": {"path": folder}})
        try:
            await client.async_execute(env=env)
        except Exception as error:   # a kernel that died, a cell over its time
            return [f"the run failed: {type(error).__name__}: {error}"]
        return [f"cell {index} ({cell.get('id')}): {output.ename}: {output.evalue}"
                for index, cell in enumerate(nb.cells) for output in cell.get("outputs", [])
                if output.output_type == "error" and "raises-exception" not in cell.metadata.get("tags", [])]


async def main():
    slots = asyncio.Semaphore(parallel)
    results = await asyncio.gather(*(run(path, slots) for path in paths))
    print(json.dumps(dict(zip(paths, results))))

asyncio.run(main())
"""

#: The first cell of every executed notebook: it proves the kernel imports the package's sockutil.
WHICH_SOCKUTIL = "import sockutil\nassert sockutil.__file__.startswith({package!r}), sockutil.__file__"


def _up_to_last_exercise(package: Path, name: str, out: Path) -> Path:
    """The notebook's cells before its last exercise's stub: every earlier exercise's check runs on its stub."""
    nb = nbformat.read(package / "notebooks" / name, as_version=4)
    last_stub = table.EXERCISES[name][-1].stub
    ids = [cell.get("id") for cell in nb.cells]
    assert last_stub in ids, f"{name}: the last exercise's stub {last_stub} is not in the student edition"
    nb.cells = [nbformat.v4.new_code_cell(WHICH_SOCKUTIL.format(package=str(package)))] + nb.cells[:ids.index(last_stub)]
    path = out / name
    nbformat.write(nb, path)
    return path


def test_every_notebook_runs_up_to_its_exercises(package, tmp_path):
    assert set(table.EXERCISES) == {p.name for p in NOTEBOOKS}, "every notebook has an exercise to run up to"
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(package), os.environ.get("PYTHONPATH")]))}
    env.pop("NBGRADER_EXECUTION", None)
    paths = [str(_up_to_last_exercise(package, name, tmp_path)) for name in sorted(table.EXERCISES)]
    job = [paths, str(package / "notebooks"), NOTEBOOK_TIMEOUT, env, PARALLEL]
    done = subprocess.run([sys.executable, "-c", RUN_NOTEBOOKS, json.dumps(job)], capture_output=True, text=True,
                          timeout=NOTEBOOK_TIMEOUT * 2, cwd=package / "notebooks", env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(done.stdout.splitlines()[-1])
    assert sorted(Path(path).name for path in results) == sorted(table.EXERCISES)
    failed = {Path(path).name: errors for path, errors in results.items() if errors}
    assert not failed, json.dumps(failed, indent=1)


def test_the_readme_says_which_edition_is_which_with_the_commands_that_work():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "**Which edition is which.**" in readme
    assert "every notebook committed in it, is the *instructor edition*" in readme
    for command in re.findall(r"`\.venv/bin/python (tools/student_(?:package|edition)\.py) [^`]+`", readme):
        assert (ROOT / command).is_file(), command
    assert "tools/student_package.py ../sockets-student" in readme and "--archive" in readme
    assert "`sockutil/exercise_guard.py`" in readme and (ROOT / "sockutil" / "exercise_guard.py").is_file()

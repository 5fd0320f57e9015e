"""Write the student package: what a student installs and runs, with nothing that answers an exercise.

Why: the repository is the *instructor edition*. Its notebooks carry a worked
solution under every exercise, ``tests/`` holds the lab's full solution and a
gallery of right and wrong solutions, and its README is written for the people
who maintain and grade the kit. A student who clones it has every answer. This
command builds, from the same source, the folder a course hands out instead:

* ``notebooks/``: the student edition of every notebook (``student_edition.py``:
  solutions removed, a note pointing at the stub and the self-check in their
  place, outputs cleared), and ``notebooks/data/`` (notebook 12's recorded run);
* ``sockutil/``: the kit's package, self-checks included, since the notebooks
  import it. It holds no exercise's answer: a kit helper that would pass an
  exercise's self-check is refused by that check (``sockutil/exercise_guard.py``),
  and ``tests/test_student_package.py`` proves both;
* ``pyproject.toml`` (without the test runner's settings), a ``requirements.txt``
  with only what the notebooks need (the pins of the instructor edition's, from
  ``STUDENT_REQUIREMENTS``), ``binder/`` (so the package can be launched on Binder
  or built into a JupyterHub image as it is), ``tools/check_python.py`` (the
  install command's first step), and the licence files when the kit has them;
* ``README.md``: the student parts of the kit's README (the sections named in
  ``STUDENT_SECTIONS``, and any about the licence, credits, reporting an error or
  the internet, without the sentences about tests, CI and grading),
  under a line saying which edition this is.

Left out on purpose: ``tests/`` (solutions, the wrong-solution gallery), the
other ``tools/``, ``benchmarks/``, ``.ci/``, ``.github/``.

    python tools/student_package.py ../sockets-student            # a folder
    python tools/student_package.py ../sockets-student --archive  # and sockets-student.zip beside it

The destination must not exist or be empty, or hold an earlier student package
(found by its ``STUDENT_PACKAGE`` marker file): the command never deletes a
folder that is not its own.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
import student_edition  # noqa: E402 - the tool beside this one

ROOT = Path(__file__).resolve().parent.parent

#: The file that marks a folder as a student package, so that rebuilding may replace it.
MARKER = "STUDENT_PACKAGE"

#: README sections (level-2 headings) a student needs; the others are for instructors and maintainers.
STUDENT_SECTIONS = ("Quick start", "Pythons", "Syllabus", "sockutil in brief", "Troubleshooting")

#: Further sections kept when the README has them (licence, credits, reporting an error, what needs the
#: internet: written by another engineer, so matched by words rather than by exact heading).
OPTIONAL_STUDENT_SECTIONS = re.compile(r"licen[cs]e|credit|cit(e|ation)|report|internet|offline", re.IGNORECASE)

#: The packages the notebooks need, installed at the instructor edition's pins (plus the kit itself).
STUDENT_REQUIREMENTS = ("jupyterlab", "notebook", "ipykernel", "ipywidgets", "matplotlib", "psutil")

#: Files copied when the kit has them (licences, citation: another engineer adds them).
OPTIONAL_FILES = ("LICENSE", "LICENSE-CONTENT.md", "CITATION.cff", "CHANGELOG.md")

#: What a sentence, list item or table row of the README must not speak of in the student package.
INSTRUCTOR_WORDS = re.compile(r"\btests?\b|pytest|nbval|\bCI\b|\.ci/|nbgrader|wrong_solutions|\bsolutions?\b|"
                              r"benchmarks?/", re.IGNORECASE)


#: Phrases of the README reworded for students before the filter above runs (a phrase no longer there is skipped).
STUDENT_README_WORDING = (
    ("exercises with self-checks and solutions", "exercises with self-checks"),
    ("They are committed with their outputs.", "Their outputs appear as you run them."),
)


class PackageError(Exception):
    """The package cannot be written as asked; the message says why, in words."""


# ------------------------------------------------------------------ README
def _sections(text: str) -> list[tuple[str | None, str]]:
    """``(heading, body)`` for each level-2 section; the text before the first has heading None."""
    parts = re.split(r"^## (.+)$", text, flags=re.MULTILINE)
    sections: list[tuple[str | None, str]] = [(None, parts[0])]
    sections += [(parts[i].strip(), parts[i + 1]) for i in range(1, len(parts), 2)]
    return sections


def _without_instructor_clauses(text: str) -> str:
    """``text`` without its clauses (after ``; `` or ``, and the tests``) that speak of tests, CI or grading."""
    clauses = re.split(r"(?=; |, and (?:the|its) tests? )", text)
    kept = [clause for clause in clauses if not INSTRUCTOR_WORDS.search(clause)]
    if len(kept) < len(clauses) and kept and re.search(r"[.!?)]$", clauses[-1].rstrip()) \
            and not re.search(r"[.!?)]$", kept[-1].rstrip()):
        kept[-1] = kept[-1].rstrip() + "."   # the sentence lost its end with its last clause
    return "".join(kept)


def _student_prose(paragraph: str) -> str:
    """A prose paragraph without its clauses and sentences about tests, CI or grading."""
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z`(*\[])", paragraph.strip())
    kept = [_without_instructor_clauses(sentence) for sentence in sentences]
    return " ".join(s for s in kept if s.strip() and not INSTRUCTOR_WORDS.search(s))


def _student_line(line: str) -> str:
    """A list item or table row, without what speaks of tests, CI or grading ('' to drop it)."""
    if line.startswith("|") and line.rstrip().endswith("|") and line.count("|") >= 3:
        cells = line.strip().strip("|").split(" | ")
        cells = [_without_instructor_clauses(cell.strip()) for cell in cells]
        line = "| " + " | ".join(cells) + " |"
    elif line.lstrip().startswith("- "):
        indent, text = line[: len(line) - len(line.lstrip())], line.lstrip()[2:]
        line = indent + "- " + _student_prose(text) if _student_prose(text) else ""
    return "" if INSTRUCTOR_WORDS.search(line) else line


def _blocks(text: str) -> list[str]:
    """The blank-line-separated blocks of markdown; a fenced code block is one block, blank lines and all."""
    blocks, current, fenced = [], [], False
    for line in text.split("\n"):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        if not line.strip() and not fenced:
            if current:
                blocks.append("\n".join(current))
            current = []
        else:
            current.append(line)
    if current:
        blocks.append("\n".join(current))
    return blocks


def _student_block(block: str) -> str:
    """One block of the README, as the student package shows it ('' to drop it)."""
    for old, new in STUDENT_README_WORDING:
        block = block.replace(old, new)
    if block.lstrip().startswith("```"):
        return "" if INSTRUCTOR_WORDS.search(block) else block
    out: list[str] = []
    prose: list[str] = []
    for line in block.split("\n") + [None]:
        structured = line is not None and line.lstrip().startswith(("|", "- ", "<!--", "#"))
        if (line is None or structured) and prose:
            if (text := _student_prose(" ".join(prose))):
                out.append(text)
            prose = []
        if line is None:
            break
        if structured:
            if (kept := _student_line(line)):
                out.append(kept)
        else:
            prose.append(line.strip())
    if not any(line.lstrip().startswith(("|", "- ")) or not line.lstrip().startswith(("<!--", "#"))
               for line in out):
        return ""   # only headings or markers were left
    return "\n".join(out)


def student_readme(text: str) -> str:
    """The README's student parts (see the module's docstring), under a line naming the edition."""
    sections = _sections(text)
    intro = sections[0][1]
    title, _, rest = intro.partition("\n")
    blocks = [title, (
        "**This is the student edition.** Its notebooks have an exercise with a self-check where the "
        "instructor edition has a worked solution; the self-checks tell you, in words, what your code "
        "still gets wrong. Your instructor has the instructor edition, from which this folder was made. "
        "Opened on Binder, or on a JupyterHub whose image was built from `binder/`, JupyterLab saves in "
        "each notebook when each of its code cells last ran, so that your instructor can see how long the "
        "lessons take (Settings, Notebook, Recording timing turns it off)."
    )]
    wanted = [(heading, body) for heading, body in sections[1:]
              if heading in STUDENT_SECTIONS or OPTIONAL_STUDENT_SECTIONS.search(heading)]
    missing = sorted(set(STUDENT_SECTIONS) - {heading for heading, _ in wanted})  # the optional ones may be absent
    if missing:
        raise PackageError(f"README.md has no section {', '.join(map(repr, missing))}: "
                           "update STUDENT_SECTIONS in tools/student_package.py")
    for heading, body in [(None, rest), *wanted]:
        if heading is not None:
            blocks.append(f"## {heading}")
        subheading = None   # a "### ..." block, kept only if something of its subsection is
        for block in _blocks(body.strip("\n")):
            if re.fullmatch(r"#{3,6} .+", block.strip()):
                subheading = block.strip()
            elif block.strip() and (kept := _student_block(block)).strip():
                blocks.extend([subheading, kept] if subheading else [kept])
                subheading = None
    return "\n\n".join(blocks).rstrip() + "\n"


# ------------------------------------------------------------ requirements
def student_requirements(text: str) -> str:
    """The pins of ``STUDENT_REQUIREMENTS`` from the instructor edition's requirements, and the kit."""
    pins = {}
    for line in text.splitlines():
        found = re.match(r"^([A-Za-z0-9_.-]+)==(\S+)", line.strip())
        if found:
            pins[found.group(1).lower()] = found.group(0)
    missing = [name for name in STUDENT_REQUIREMENTS if name not in pins]
    if missing:
        raise PackageError(f"requirements.txt pins no {', '.join(missing)}: "
                           "update STUDENT_REQUIREMENTS in tools/student_package.py")
    lines = ["# What the notebooks need, pinned as in the kit's instructor edition.",
             "# Install with:  pip install -r requirements.txt   (see README.md)",
             *[pins[name] for name in STUDENT_REQUIREMENTS],
             "", "# The kit itself, editable, so `import sockutil` works from every notebook", "-e ."]
    return "\n".join(lines) + "\n"


def student_pyproject(text: str) -> str:
    """pyproject.toml without the test runner's tables (``[tool.pytest...]``): a student runs no tests."""
    kept, skipping = [], False
    for line in text.splitlines():
        if line.startswith("["):
            skipping = line.startswith("[tool.pytest")
        if not skipping:
            kept.append(line)
    return "\n".join(kept).rstrip() + "\n"


# ------------------------------------------------------------------- build
def _ignore_caches(_folder: str, names: list[str]) -> list[str]:
    return [n for n in names if n == "__pycache__" or n.endswith((".pyc", ".egg-info")) or n.startswith(".")]


def _prepare(destination: Path) -> None:
    if destination.exists():
        if not destination.is_dir():
            raise PackageError(f"{destination} exists and is not a folder")
        if any(destination.iterdir()):
            if not (destination / MARKER).is_file():
                raise PackageError(f"{destination} is not empty and holds no student package: "
                                   "choose a new or empty folder")
            shutil.rmtree(destination)
    destination.mkdir(parents=True, exist_ok=True)


def build(destination: Path, source: Path = ROOT) -> list[Path]:
    """Write the student package into ``destination``; return the files written, relative to it."""
    notebooks = sorted((source / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    copies = [(path.name, student_edition.student_copy(nbformat.read(path, as_version=4), path.name))
              for path in notebooks]   # every notebook is checked before anything is written
    readme = student_readme((source / "README.md").read_text(encoding="utf-8"))
    requirements = student_requirements((source / "requirements.txt").read_text(encoding="utf-8"))
    pyproject = student_pyproject((source / "pyproject.toml").read_text(encoding="utf-8"))

    _prepare(destination)
    (destination / "notebooks").mkdir()
    for name, nb in copies:
        nbformat.write(nb, destination / "notebooks" / name)
    if (source / "notebooks" / "data").is_dir():
        shutil.copytree(source / "notebooks" / "data", destination / "notebooks" / "data", ignore=_ignore_caches)
    shutil.copytree(source / "sockutil", destination / "sockutil", ignore=_ignore_caches)
    shutil.copytree(source / "binder", destination / "binder", ignore=_ignore_caches)
    if (source / "docs" / "images").is_dir():   # the README's screenshots of the panels
        shutil.copytree(source / "docs" / "images", destination / "docs" / "images", ignore=_ignore_caches)
    (destination / "tools").mkdir()
    shutil.copy2(source / "tools" / "check_python.py", destination / "tools" / "check_python.py")
    for name in OPTIONAL_FILES:
        if (source / name).is_file():
            shutil.copy2(source / name, destination / name)
    (destination / "README.md").write_text(readme, encoding="utf-8")
    (destination / "requirements.txt").write_text(requirements, encoding="utf-8")
    (destination / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    (destination / MARKER).write_text(
        "Written by tools/student_package.py from the kit's instructor edition; rebuilding replaces this folder.\n",
        encoding="utf-8")
    return sorted(p.relative_to(destination) for p in destination.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("destination", type=Path, help="folder for the student package (new, empty, or an "
                                                       "earlier student package, which is replaced)")
    parser.add_argument("--archive", action="store_true", help="also write DESTINATION.zip beside the folder")
    args = parser.parse_args(argv)
    destination = args.destination.resolve()
    if destination == ROOT or ROOT in destination.parents:
        print(f"student_package: write the package outside the kit's own folder, not into {destination}",
              file=sys.stderr)
        return 1
    try:
        files = build(destination)
    except (PackageError, student_edition.MarkerError) as error:
        print(f"student_package: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"student_package: cannot write {destination}: {error.strerror or error}", file=sys.stderr)
        return 1
    print(f"wrote {len(files)} files to {destination}")
    if args.archive:
        archive = shutil.make_archive(str(destination), "zip", root_dir=destination.parent,
                                      base_dir=destination.name)
        print(f"wrote {archive}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

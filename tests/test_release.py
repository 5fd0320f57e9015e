"""What an adopting course relies on: licences, credit, citation, a version to pin, the README's promises.

Why these are tests: each is a promise to an instructor deciding whether to adopt
the kit (issue 13), and each goes stale silently. A release bumps the version in
one file and forgets another; a notebook's new sentence says "as the lecture
shows" to a student who has no lecture; a screenshot is renamed and the README
shows a broken image.

The lecture rule, precisely (``lecture_problems``): in the notebooks' markdown
cells, the word "lecture" may appear only in a cell that credits the lecture in
full (its title, its course and its university), and no markdown cell may send
the reader into the lecture's content: no "the lecture's ...", no "from / in /
of / as / by the lecture" (unless the lecture's title follows at once), no
sentence opening with "The lecture:", no "the lecture" followed by a verb that
reports what it says or shows. 'The kit grows from the lecture "Programming
with Network Sockets" ...' credits it; "the lecture lists them like this:" and
"the three calls from the lecture" need it.
"""

from __future__ import annotations

import datetime
import os
import re
import struct
import subprocess
import tomllib
from pathlib import Path

import nbformat
import pytest
import yaml

import sockutil

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
PYPROJECT_TEXT = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
PYPROJECT = tomllib.loads(PYPROJECT_TEXT)["project"]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))

#: The licence of the notebooks' text and figures, and its official address.
CC_BY = "CC BY 4.0"
CC_BY_URL = "https://creativecommons.org/licenses/by/4.0/"
#: The lecture the kit grows from: a full credit names all three.
LECTURE_TITLE = "Programming with Network Sockets"
LECTURE_COURSE = "ECE 650 Systems Programming & Engineering"
LECTURE_PLACE = "Duke University"


# --- licences and credit --------------------------------------------------------------------

def test_the_code_licence_is_mit_and_whole():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n")
    assert re.search(r"^Copyright \(c\) \d{4} \S", text, re.M), "a copyright line with a year and a holder"
    for clause in ("Permission is hereby granted, free of charge",
                   "The above copyright notice and this permission notice shall be included",
                   'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND'):
        assert clause in text


def test_the_content_licence_names_cc_by_4_with_its_official_address_without_the_legal_code():
    text = (ROOT / "LICENSE-CONTENT.md").read_text(encoding="utf-8")
    assert CC_BY in text and "Creative Commons Attribution 4.0 International" in text
    assert CC_BY_URL in text
    # the legal code is linked, not pasted: its section headings are not here, and the file stays short
    assert "Section 1 -- Definitions" not in text and "Section 1 – Definitions" not in text
    assert len(text) < 4000
    assert "LICENSE" in text and "MIT" in text, "it says what is not covered: the code, under MIT"


def test_pyproject_and_readme_name_both_licences():
    assert PYPROJECT["license"] == "MIT"
    assert PYPROJECT["license-files"] == ["LICENSE"]
    assert "LICENSE-CONTENT.md" in PYPROJECT_TEXT, "pyproject.toml says where the content's licence is"
    section = readme_section("Licence and credits")
    assert "[`LICENSE`](LICENSE)" in section and "MIT" in section
    assert "[`LICENSE-CONTENT.md`](LICENSE-CONTENT.md)" in section and CC_BY in section and CC_BY_URL in section


def test_the_readme_and_notebook_00_credit_the_lecture_in_full():
    credit = f'"{LECTURE_TITLE}", {LECTURE_COURSE}, {LECTURE_PLACE} (2017)'
    assert credit in readme_section("Licence and credits")
    assert credit in " ".join((ROOT / "LICENSE-CONTENT.md").read_text(encoding="utf-8").split())
    intro = "\n".join(source for _, _, source in markdown_cells(ROOT / "notebooks" / "00-start-here.ipynb"))
    assert full_credit(intro)


# --- the lecture rule -----------------------------------------------------------------------

#: Words that point into the lecture's content.
_LEANS = re.compile(
    r"\blecture['’]s\b"
    r"|\b(?:from|in|of|as|by) the lecture\b"
    r"|(?:^|[.!?]\s+)the lecture\s*:"
    r"|\bthe lecture (?:says|said|shows|showed|lists|listed|names|named|calls|compares|puts|writes|gives|uses"
    r"|describes|explains|mentions|defines|draws|quotes)\b",
    re.I | re.M,
)
#: The lecture named by its title: a credit, whatever words come before it ("grows from the lecture "...").
_NAMED = re.compile(r'\bthe lecture,? ["“]' + re.escape(LECTURE_TITLE) + '["”]', re.I)


def full_credit(text: str) -> bool:
    """Whether ``text`` names the lecture in full: its title, course and university."""
    return all(part in text for part in (LECTURE_TITLE, "ECE 650", LECTURE_PLACE))


def lecture_problems(source: str) -> list[str]:
    """The sentences of one markdown cell that need the lecture to make sense (the rule in the docstring)."""
    unnamed = _NAMED.sub("the named lecture", source)
    problems = [f"points into the lecture: {match.group(0).strip()!r}" for match in _LEANS.finditer(unnamed)]
    if re.search(r"\blectures?\b", source, re.I) and not full_credit(source):
        problems.append("mentions the lecture without crediting it in full")
    return problems


def markdown_cells(path: Path) -> list[tuple[int, str, str]]:
    notebook = nbformat.read(path, as_version=4)
    return [(index, cell.get("id", "?"), cell.source) for index, cell in enumerate(notebook.cells)
            if cell.cell_type == "markdown"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_notebook_text_needs_the_lecture(path):
    found = [f"cell {index} (id {cell_id}): {problem}"
             for index, cell_id, source in markdown_cells(path) for problem in lecture_problems(source)]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("sentence", [
    # wordings the notebooks had before they were made to stand alone
    "Eight calls do the work; the lecture lists them like this:",
    "That is the lecture's \"often 1460 data bytes to fit in 1 Ethernet frame\".",
    "The lecture: processes attach to ports with the **BIND** operation.",
    "The lecture shows a URL like `http://127.0.0.1:4444`:",
    "The eight calls of the lecture, `socket`, `bind`, `listen`, `accept`.",
    "First the listening socket, with the three calls from the lecture:",
    "Read it row by row, with notebook 07's lecture in mind:",
    "The kit grows from a lecture on **programming with network sockets** (systems programming, ECE 650).",
])
def test_the_rule_catches_text_that_needs_the_lecture(sentence):
    assert lecture_problems(sentence)


def test_the_rule_lets_a_full_credit_through():
    credit = (f'The kit grows from the lecture "{LECTURE_TITLE}" of {LECTURE_COURSE}, {LECTURE_PLACE} (2017). '
              "You do not need the lecture: the notebooks teach each of its points in their own words.")
    assert lecture_problems(credit) == []
    assert lecture_problems("A TCP connection is often compared with a UNIX pipe.") == []


# --- citation, version, changelog -----------------------------------------------------------

def citation() -> dict:
    return yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))


def releases() -> list[tuple[str, datetime.date]]:
    """CHANGELOG.md's releases, newest first: (version, date)."""
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    return [(version, datetime.date.fromisoformat(day))
            for version, day in re.findall(r"^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$", text, re.M)]


def test_citation_cff_has_what_cff_1_2_0_requires():
    """The required keys and their types, as the Citation File Format 1.2.0 schema says (no schema needed)."""
    cff = citation()
    assert cff["cff-version"] == "1.2.0"
    assert isinstance(cff["message"], str) and cff["message"].strip()
    assert isinstance(cff["title"], str) and cff["title"].strip()
    assert isinstance(cff["authors"], list) and cff["authors"]
    for author in cff["authors"]:
        assert isinstance(author, dict)
        assert author.get("name") or author.get("family-names"), f"an author needs a name: {author}"
    assert cff.get("type", "software") in ("software", "dataset")
    assert isinstance(cff["version"], str)
    datetime.date.fromisoformat(str(cff["date-released"]))
    assert sorted(cff["license"]) == ["CC-BY-4.0", "MIT"]  # SPDX identifiers of the two licences
    lecture = [ref for ref in cff.get("references", []) if ref.get("title") == LECTURE_TITLE]
    assert lecture, "CITATION.cff credits the lecture among its references"
    for ref in cff["references"]:
        assert ref["type"] and ref["authors"], "a CFF reference needs a type, a title and authors"


def test_citation_cff_passes_cffconvert():
    """The real validator, against CFF's own JSON schema. It pins jsonschema below 4, which JupyterLab's
    packages cannot share, so .ci/run installs it in an environment of its own and names it in CFFCONVERT."""
    cffconvert = os.environ.get("CFFCONVERT")
    if not cffconvert:
        pytest.skip("CFFCONVERT does not name cffconvert 2.0.0 (.ci/run installs it in an environment of its own)")
    done = subprocess.run([cffconvert, "--validate", "-i", str(ROOT / "CITATION.cff")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_cffconvert_would_catch_a_broken_citation(tmp_path):
    cffconvert = os.environ.get("CFFCONVERT")
    if not cffconvert:
        pytest.skip("CFFCONVERT does not name cffconvert 2.0.0 (.ci/run installs it in an environment of its own)")
    broken = tmp_path / "CITATION.cff"
    broken.write_text(re.sub(r"^title:.*$", "", (ROOT / "CITATION.cff").read_text(), flags=re.M))
    done = subprocess.run([cffconvert, "--validate", "-i", str(broken)], capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "'title' is a required property" in done.stdout + done.stderr


def test_one_version_everywhere():
    version = PYPROJECT["version"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), "a version a course can pin: MAJOR.MINOR.PATCH"
    assert sockutil.__version__ == version
    assert citation()["version"] == version
    newest_version, newest_date = releases()[0]
    assert newest_version == version, "CHANGELOG.md's newest release is the version"
    assert datetime.date.fromisoformat(str(citation()["date-released"])) == newest_date


def test_the_changelog_keeps_a_changelog():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert text.startswith("# Changelog\n")
    assert "https://keepachangelog.com/" in text
    headings = re.findall(r"^## (.+)$", text, re.M)
    assert headings[0] == "[Unreleased]"
    assert all(re.fullmatch(r"\[\d+\.\d+\.\d+\] - \d{4}-\d{2}-\d{2}", h) for h in headings[1:]), headings
    found = releases()
    assert found and len(found) == len(headings) - 1
    assert [d for _, d in found] == sorted((d for _, d in found), reverse=True), "newest first"
    versions = [tuple(int(n) for n in v.split(".")) for v, _ in found]
    assert versions == sorted(versions, reverse=True) and len(set(versions)) == len(versions)
    allowed = {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}
    assert set(re.findall(r"^### (.+)$", text, re.M)) <= allowed
    assert "`v<version>`" in text, "it says that each release is a tag"


def test_the_readme_says_how_to_pin_and_cite():
    section = readme_section("Versions and citing")
    version = PYPROJECT["version"]
    assert f"git clone --branch v{version}" in section
    assert "[`CHANGELOG.md`](CHANGELOG.md)" in section and "[`CITATION.cff`](CITATION.cff)" in section


# --- the README's other promises ------------------------------------------------------------

def readme_section(title: str) -> str:
    match = re.search(rf"^(#+) {re.escape(title)}\n(.*?)(?=^#{{1,2}} |\Z)", README, re.M | re.S)
    assert match, f"README.md has no section {title!r}"
    return match.group(2)


def test_the_readme_says_how_to_report_an_error():
    section = readme_section("Reporting an error")
    assert "issue tracker" in section
    for what in ("notebook", "expected", "sockutil.__version__"):
        assert what in section


def test_the_readme_says_what_needs_the_internet():
    section = readme_section("What needs the internet")
    assert "Only the install" in section and "works offline" in section


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    return struct.unpack(">II", data[16:24])


def test_the_readme_shows_the_panels_with_alt_text():
    images = re.findall(r"!\[([^\]]*)\]\(([^)\s]+)\)", README)
    panels = [(alt, target) for alt, target in images if target.startswith("docs/images/")]
    assert {Path(t).name for _, t in panels} >= {"server-panel.png", "client-console.png", "stream-lab.png",
                                                 "many-clients.png"}
    for alt, target in panels:
        assert len(alt.split()) >= 8, f"{target}: the alt text says what the image shows"
        width, height = png_size(ROOT / target)
        assert width >= 300 and height >= 100, f"{target} is {width}x{height}: not a panel's screenshot"


def test_every_image_in_docs_is_shown():
    shown = {Path(target).name for target in re.findall(r"!\[[^\]]*\]\((docs/images/[^)\s]+)\)", README)}
    assert {p.name for p in (ROOT / "docs" / "images").iterdir()} == shown


# --- CI leaves a developer's environment alone ---------------------------------------------

def test_ci_builds_its_environment_in_a_folder_of_its_own():
    lines = [line for line in (ROOT / ".ci" / "run").read_text().splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    code = "\n".join(lines)
    assert not re.search(r"(?<![\w./-])\.venv\b", code), ".ci/run names no .venv: it never creates or removes one"
    assert re.search(r'^scratch="\$\(mktemp -d ', code, re.M)
    assert 'CI_VENV="$scratch/venv"' in code
    removals = re.findall(r"rm -rf (\S+)", code)
    assert removals and all(target.strip("'\"") == "$scratch" for target in removals), removals
    assert '.ci/binder.py --python "$CI_VENV/bin/python"' in code, "Binder's check runs its tests with CI's Python"

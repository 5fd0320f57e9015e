"""The instructor guide and the lecture map name only what exists, and their numbers add up.

Why: an instructor reads ``instructors/guide.md`` once and trusts it. A section
renamed, a cell id changed or an exercise removed would leave the guide pointing
at nothing, and a schedule whose hours do not add up would be caught in front of
a class. So every reference is checked against the notebooks themselves:

* a link written ``[NN › section heading › cell id](../notebooks/NN-name.ipynb)``
  (the cell id is optional) must name an existing notebook, a heading in it, and a
  cell that sits under that heading (or contains it);
* every ``NN-name.ipynb`` mentioned must exist;
* the outcomes table names only exercises of ``tools/nbgrader_cells.py``, of the
  notebooks in its row, and names all of them;
* both schedules list every notebook 00-12, as core or optional, each with the
  planned hours of the time table, and their hours add up to the stated totals;
* the time table is exactly what ``instructors/measure_times.py --table`` prints
  from ``instructors/timings.json``, and that file still describes the notebooks;
* every misconception links to an existing cell, and the five the brief names
  are there; every notebook has discussion questions; the platform table covers
  the systems it must.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
GUIDE = ROOT / "instructors" / "guide.md"
MAP = ROOT / "instructors" / "lecture-map.md"
TIMINGS = ROOT / "instructors" / "timings.json"
#: The lecture's text is not in the kit; where a checkout of the course materials has it, the map is checked
#: against copying it.
LECTURE = Path("/work/shared/reference/lecture-network-sockets.txt")

sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "instructors"))
from nbgrader_cells import EXERCISES  # noqa: E402
import measure_times  # noqa: E402
from tests.test_links import broken_links  # noqa: E402

LINK = re.compile(r"\[(\d\d) › ([^\]]+?)\]\(\.\./notebooks/([^)#]+\.ipynb)\)")
NOTEBOOK_NAME = re.compile(r"\b\d\d-[a-z0-9-]+\.ipynb\b")
HEADING = re.compile(r"^(#{1,6}) (.+?)\s*$", re.M)
NUMBERS = [f"{n:02d}" for n in range(13)]


def _norm(text: str) -> str:
    """Compare headings as a reader sees them: without backticks, with single spaces."""
    return " ".join(text.replace("`", "").split())


class Notebook:
    """The headings of one notebook, and for each cell the headings it sits under."""

    def __init__(self, path: Path) -> None:
        nb = nbformat.read(path, as_version=4)
        self.headings: set[str] = set()
        self.sections: dict[str, set[str]] = {}
        stack: list[tuple[int, str]] = []
        for cell in nb.cells:
            own = []
            if cell.cell_type == "markdown":
                own = [(len(m.group(1)), _norm(m.group(2))) for m in HEADING.finditer(cell.source)]
            above = {text for level, text in stack if level > 1}
            self.sections[cell.get("id")] = above | {text for _, text in own}
            for level, text in own:
                self.headings.add(text)
                while stack and stack[-1][0] >= level:
                    stack.pop()
                stack.append((level, text))


def notebooks() -> dict[str, Notebook]:
    return {path.name: Notebook(path) for path in sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))}


def link_errors(text: str, books: dict[str, Notebook]) -> list[str]:
    """Every link that names a notebook, heading or cell that does not exist, or a cell outside its heading."""
    errors = []
    for number, inner, name in LINK.findall(text):
        parts = [part.strip() for part in inner.split(" › ")]
        where = f"[{number} › {inner}]"
        if name not in books:
            errors.append(f"{where}: no notebook {name}")
            continue
        if not name.startswith(number):
            errors.append(f"{where}: links to {name}")
        book = books[name]
        heading = _norm(parts[0])
        if heading not in book.headings:
            errors.append(f"{where}: no heading {parts[0]!r} in {name}")
        if len(parts) == 2:
            cell_id = parts[1].strip("`")
            if cell_id not in book.sections:
                errors.append(f"{where}: no cell {cell_id!r} in {name}")
            elif heading not in book.sections[cell_id]:
                errors.append(f"{where}: cell {cell_id!r} is not under {parts[0]!r}")
        elif len(parts) > 2:
            errors.append(f"{where}: expected 'NN › heading' or 'NN › heading › cell id'")
    return errors


def section(text: str, heading: str) -> str:
    """The text from a heading to the next heading of the same or a higher level."""
    match = re.search(rf"^(#+) {re.escape(heading)}\s*$", text, re.M)
    assert match, f"no heading {heading!r}"
    level = len(match.group(1))
    rest = text[match.end():]
    end = re.search(rf"^#{{1,{level}}} ", rest, re.M)
    return rest[: end.start()] if end else rest


def table_rows(text: str) -> list[list[str]]:
    """The body rows of the first markdown table in ``text``, as lists of cells."""
    rows = [line for line in text.splitlines() if line.startswith("|")]
    cells = [[cell.strip() for cell in row.strip().strip("|").split(" | ")] for row in rows]
    return [row for row in cells[2:]]


@pytest.fixture(scope="module")
def books() -> dict[str, Notebook]:
    return notebooks()


@pytest.fixture(scope="module")
def guide() -> str:
    return GUIDE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def lecture_map() -> str:
    return MAP.read_text(encoding="utf-8")


# --- the checker itself can fail --------------------------------------------------------------------------

def test_the_link_checker_catches_each_kind_of_mistake(books):
    good = "[05 › SEND and RECV › c033](../notebooks/05-the-socket-api.ipynb)"
    assert link_errors(good, books) == []
    bad = {
        "no notebook": "[05 › SEND and RECV](../notebooks/05-the-sockets.ipynb)",
        "no heading": "[05 › Send and receive](../notebooks/05-the-socket-api.ipynb)",
        "no cell": "[05 › SEND and RECV › c9999](../notebooks/05-the-socket-api.ipynb)",
        "is not under": "[05 › SEND and RECV › c016](../notebooks/05-the-socket-api.ipynb)",
        "links to": "[06 › SEND and RECV](../notebooks/05-the-socket-api.ipynb)",
    }
    for words, link in bad.items():
        errors = link_errors(link, books)
        assert len(errors) == 1 and words in errors[0], (link, errors)


# --- references -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [GUIDE, MAP], ids=["guide", "lecture-map"])
def test_every_link_names_an_existing_notebook_heading_and_cell(path, books):
    text = path.read_text(encoding="utf-8")
    assert LINK.findall(text), "no links found: has the link format changed?"
    assert link_errors(text, books) == []


@pytest.mark.parametrize("path", [GUIDE, MAP], ids=["guide", "lecture-map"])
def test_every_relative_link_resolves_as_the_readme_s_do(path):
    assert broken_links(path) == []


@pytest.mark.parametrize("path", [GUIDE, MAP], ids=["guide", "lecture-map"])
def test_every_notebook_file_named_exists(path, books):
    named = set(NOTEBOOK_NAME.findall(path.read_text(encoding="utf-8")))
    assert named, "no notebook named"
    assert named <= set(books), sorted(named - set(books))


@pytest.mark.parametrize("path", [GUIDE, MAP], ids=["guide", "lecture-map"])
def test_every_exercise_named_in_the_text_exists(path):
    """"the exercise `name`" anywhere in the text names a function of nbgrader_cells.py's table."""
    named = set(re.findall(r"[Ee]xercises? `(\w+)`", path.read_text(encoding="utf-8")))
    known = {e.name for exercises in EXERCISES.values() for e in exercises}
    assert named <= known, sorted(named - known)


def test_the_outcomes_name_every_exercise_and_only_real_ones(guide):
    rows = table_rows(section(guide, "Learning outcomes"))
    named: set[tuple[str, str]] = set()
    for row in rows:
        numbers = re.findall(r"\d\d", row[2])
        files = [name for name in EXERCISES if name[:2] in numbers]
        assert len(files) == len(numbers), f"row {row[0]}: a notebook number without a notebook"
        for exercise in re.findall(r"`(\w+)`", row[3]):
            homes = [f for f in files if exercise in {e.name for e in EXERCISES[f]}]
            assert homes, f"row {row[0]}: `{exercise}` is not an exercise of notebooks {numbers}"
            named.add((homes[0], exercise))
    every = {(name, e.name) for name, exercises in EXERCISES.items() for e in exercises}
    assert every - named == set()


# --- time table and schedules -----------------------------------------------------------------------------

def test_the_time_table_is_what_the_measuring_tool_prints(guide):
    between = re.search(r"<!-- time-table:start -->\n(.*?)\n<!-- time-table:end -->", guide, re.S)
    assert between, "the time table's markers are missing"
    assert between.group(1) == measure_times.table(json.loads(TIMINGS.read_text()))


def test_the_saved_measurements_still_describe_the_notebooks():
    saved = json.loads(TIMINGS.read_text())["notebooks"]
    current = {path.name: path for path in sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))}
    assert set(saved) == set(current)
    for name, path in current.items():
        entry = saved[name]
        assert [e["name"] for e in entry["exercises"]] == [e.name for e in EXERCISES.get(name, ())], name
        assert entry["wall_s"] and all(t > 0 for t in entry["wall_s"] + entry["cells_s"]), f"{name}: no run recorded"
        assert len(entry["wall_s"]) == len(entry["cells_s"]), f"{name}: runs and cell sums disagree"
        sizes = measure_times.sizes(nbformat.read(path, as_version=4))
        for key in ("markdown_words", "code_lines"):
            # Small edits (a reworded cell) leave the plan valid; a notebook grown or cut by a tenth does not:
            # run `python instructors/measure_times.py` again and paste its --table into the guide.
            assert abs(sizes[key] - entry[key]) <= 0.1 * entry[key], f"{name}: {key} changed; measure again"


def test_what_the_guide_says_about_the_runs_holds():
    data = json.loads(TIMINGS.read_text())
    machine = data["machine"]
    assert min(machine["load_average_at_start"][0], machine["load_average_at_end"][0]) > 2 * machine["cores"]
    for name, entry in data["notebooks"].items():
        assert len(entry["wall_s"]) >= 2, f"{name}: the guide speaks of the fastest and slowest runs"
        assert max(entry["wall_s"]) <= 2 * min(entry["wall_s"]), f"{name}: runs differ by more than a factor of 2"


def _planned_hours() -> dict[str, float]:
    saved = json.loads(TIMINGS.read_text())["notebooks"]
    return {name[:2]: measure_times.planning(entry)["planned_h"] for name, entry in saved.items()}


@pytest.mark.parametrize("heading", ["Two-week schedule", "Three-week schedule"])
def test_each_schedule_lists_every_notebook_and_adds_up(guide, heading):
    text = section(guide, heading)
    rows = table_rows(text)
    planned = _planned_hours()
    totals = {"core": 0.0, "optional": 0.0}
    seen: dict[str, str] = {}
    for row in rows:
        notebook, status, hours = row[2], row[3], float(row[4])
        number = notebook[:2]
        assert number in NUMBERS, f"{heading}: {notebook!r} is not a notebook"
        assert status in totals, f"{heading}: {notebook}: status {status!r} is neither core nor optional"
        assert number not in seen, f"{heading}: {notebook} listed twice"
        assert hours == planned[number], f"{heading}: {notebook}: {hours} h, the time table plans {planned[number]}"
        seen[number] = status
        totals[status] += hours
    assert sorted(seen) == NUMBERS, f"{heading}: missing {sorted(set(NUMBERS) - set(seen))}"
    stated = re.search(r"Core total: ([\d.]+) h\. Optional total: ([\d.]+) h\.", text)
    assert stated, f"{heading}: no stated totals"
    assert float(stated.group(1)) == totals["core"] and float(stated.group(2)) == totals["optional"]
    for number in ("10", "11", "12"):  # "Going further": never core
        assert seen[number] == "optional", f"{heading}: {number} should be optional"


def test_the_two_week_schedule_makes_the_deep_notebooks_optional_and_says_why(guide):
    rows = {row[2][:2]: row for row in table_rows(section(guide, "Two-week schedule"))}
    for number in ("03", "07"):
        assert rows[number][3] == "optional" and "networking-course depth" in rows[number][2]
    assert "go as deep as a networking course" in guide


# --- misconceptions, questions, platforms -----------------------------------------------------------------

def test_every_misconception_links_to_an_existing_cell(guide, books):
    rows = table_rows(section(guide, "Misconceptions students bring"))
    assert len(rows) >= 10
    for row in rows:
        links = LINK.findall(row[2])
        assert links, f"{row[0]!r}: no link to a cell"
        assert all(len(inner.split(" › ")) == 2 for _, inner, _ in links), f"{row[0]!r}: a link without a cell id"
        assert link_errors(row[2], books) == [], row[0]
    believed = " ".join(row[0] for row in rows)
    for myth in ("One `recv` returns one message", "waits until a whole line", "always carry 1460",
                 "below 1024 need root", "`SO_REUSEADDR` lets two servers share a port"):
        assert myth in believed, f"the misconception {myth!r} is missing"


def test_every_notebook_has_discussion_questions_with_answers(guide):
    text = section(guide, "Discussion questions, with answers")
    for number in NUMBERS:
        questions = section(text, next(h for h in re.findall(r"^### (.+)$", text, re.M) if h.startswith(number)))
        items = re.findall(r"^\d+\. \*(.+?)\*(.+?)(?=^\d+\. |\Z)", questions, re.M | re.S)
        assert items, f"{number}: no questions"
        for question, answer in items:
            assert question.strip().endswith("?"), f"{number}: {question!r} is not a question"
            assert len(answer.split()) >= 8, f"{number}: {question!r} has no real answer"


def test_the_lab_rubric_goes_beyond_the_self_check(guide):
    rows = table_rows(section(guide, "A rubric for the lab (09)"))
    criteria = [row[0] for row in rows]
    assert len(criteria) >= 4 and any("self-check" in c for c in criteria)
    assert sum("self-check" not in c for c in criteria) >= 3
    assert all(len(row) == 4 and all(row) for row in rows), "every criterion needs all three levels"


def test_one_platform_table_covers_what_differs(guide):
    text = section(guide, "macOS, Windows and a JupyterHub")
    header = [line for line in text.splitlines() if line.startswith("|")][0]
    for column in ("Linux", "macOS", "Windows", "JupyterHub"):
        assert column in header
    for fact in ("WSL", "Mojave", "ip_unprivileged_port_start", "AF_UNIX", "fork", "root", "12"):
        assert fact in text, f"the platform table does not mention {fact}"


# --- the lecture map --------------------------------------------------------------------------------------

def test_the_map_has_every_call_of_the_lecture(lecture_map):
    section_text = section(lecture_map, "The socket calls, with example code")
    for call in ("SOCKET", "BIND", "LISTEN", "ACCEPT", "CONNECT", "SEND", "RECV", "CLOSE"):
        rows = [row for row in table_rows(section_text) if row[0].startswith(call + " ")]
        assert rows and LINK.search(rows[0][1]), f"{call}: no row with a link"


def test_every_row_of_the_map_links_to_the_kit(lecture_map):
    rows = [row for heading in re.findall(r"^## (.+)$", lecture_map, re.M)
            for row in table_rows(section(lecture_map, heading))]
    assert len(rows) >= 20
    assert all(LINK.search(row[1]) for row in rows), [row[0] for row in rows if not LINK.search(row[1])]


@pytest.mark.skipif(not LECTURE.exists(), reason="the lecture's text is not on this machine (it is not in the kit)")
def test_the_map_is_in_the_kits_own_words(lecture_map):
    words = lambda text: re.findall(r"[a-z0-9]+", text.lower())  # noqa: E731
    lecture = words(LECTURE.read_text(encoding="utf-8"))
    runs = {" ".join(lecture[i:i + 7]) for i in range(len(lecture) - 6)}
    citation = re.compile(r'"Programming with Network Sockets" \([^)]*\)')  # the credit names the lecture
    ours = words(citation.sub("", lecture_map))
    copied = [" ".join(ours[i:i + 7]) for i in range(len(ours) - 6) if " ".join(ours[i:i + 7]) in runs]
    assert copied == [], f"seven words in a row taken from the lecture: {copied[:3]}"

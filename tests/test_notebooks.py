"""The notebooks' shape: what nbval does not check (links, navigation, exercises, markers)."""

from __future__ import annotations

import re
from pathlib import Path

import mistune
import nbformat
import pytest

from tests.tool_loading import load_script

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))


def load_tool():
    return load_script(ROOT / "tools" / "refresh_notebooks.py", "refresh_notebooks")


def markdown_links(text: str) -> list[str]:
    return re.findall(r"\]\(([^)\s]+)\)", text)


#: A line that looks like a row of a pipe table: it starts and ends with "|".
TABLE_ROW = re.compile(r"^ {0,3}\|.*\|\s*$")

#: mistune (installed with JupyterLab, through nbconvert) with GitHub's pipe tables.
_MARKDOWN = mistune.create_markdown(renderer=None, plugins=["table"])


def broken_tables(text: str) -> list[str]:
    """Table rows that a Markdown parser did not read as part of a table: the first line of each.

    Why: a table renders only if every row has the header's number of cells
    and nothing but rows follows its header (a paragraph or a blank line ends
    it). mistune, like JupyterLab's renderer, then shows the remaining rows as
    one run-on paragraph; it also refuses a table whose rows have a different
    number of cells than its header. Any paragraph that still holds a line
    shaped like a table row is therefore a broken table.
    """
    state = _MARKDOWN.block.state_cls()
    state.process(text)
    _MARKDOWN.block.parse(state)
    broken = []
    for token in state.tokens:
        if token["type"] != "paragraph":
            continue
        rows = [line for line in token.get("text", "").splitlines() if TABLE_ROW.match(line)]
        if rows:
            broken.append(rows[0])
    return broken


def test_broken_tables_are_found():
    good = "| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | `x` |\n"
    assert broken_tables(good) == []
    interrupted = "| a | b |\n|---|---|\n| 1 | 2 |\n\nA paragraph.\n| 3 | 4 |\n"
    assert broken_tables(interrupted) == ["| 3 | 4 |"]
    too_many_cells = "| a | b |\n|---|---|\n| 1 | 2 | 3 |\n"
    assert broken_tables(too_many_cells) == ["| a | b |"]
    too_few_cells = "| a | b |\n|---|---|\n| 1 |\n"
    assert broken_tables(too_few_cells) == ["| a | b |"]
    no_delimiter_row = "| a | b |\n| 1 | 2 |\n"
    assert broken_tables(no_delimiter_row) == ["| a | b |"]


def test_there_are_notebooks_numbered_from_00():
    assert NOTEBOOKS and NOTEBOOKS[0].name == "00-start-here.ipynb"
    numbers = [int(p.name[:2]) for p in NOTEBOOKS]
    assert numbers == list(range(len(NOTEBOOKS))), "notebooks must be numbered without gaps"


def test_navigation_and_syllabus_are_up_to_date():
    tool = load_tool()
    stale_nav = [p.name for p in NOTEBOOKS if tool.refresh_nav(p, NOTEBOOKS, write=False)]
    assert not stale_nav, "run tools/refresh_notebooks.py --nav-only"
    assert tool.refresh_syllabus(NOTEBOOKS, write=False) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
class TestEachNotebook:
    def test_frame(self, path):
        nb = nbformat.read(path, as_version=4)
        assert nb.cells[0].source.startswith("<!-- nav -->")
        assert nb.cells[-1].source.startswith("<!-- nav -->")
        markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        for heading in ("## Questions", "## Objectives", "## Key points"):
            assert heading in markdown, f"{path.name} lacks {heading!r}"

    def test_markdown_tables_render_as_tables(self, path):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                broken = broken_tables(cell.source)
                assert not broken, f"{path.name}, cell {cell.get('id')}: a broken table at {broken[0]!r}"

    def test_relative_links_resolve(self, path):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "markdown":
                continue
            for link in markdown_links(cell.source):
                if re.match(r"[a-z]+:", link) or link.startswith("#"):
                    continue
                target = (path.parent / link.split("#", 1)[0]).resolve()
                assert target.exists(), f"{path.name}: broken link {link}"

    def test_exercises_have_solutions_between_nbgrader_markers(self, path):
        nb = nbformat.read(path, as_version=4)
        solutions = [c for c in nb.cells if "solution" in c.metadata.get("tags", [])
                     and c.cell_type == "code"]
        assert solutions, f"{path.name} has no solution cell"
        for cell in solutions:
            assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source

    def test_outputs_are_committed_and_clean(self, path):
        nb = nbformat.read(path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(c.execution_count is not None for c in code), "commit the notebook executed"
        for cell in code:
            for output in cell.outputs:
                assert output.get("name") != "stderr", f"stderr output in {path.name}: {cell.source[:60]}"
                if output.output_type == "error":
                    tags = cell.metadata.get("tags", [])
                    assert "raises-exception" in tags, f"untagged error cell: {cell.source[:60]}"


def test_readme_links_resolve():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for link in markdown_links(text):
        if re.match(r"[a-z]+:", link) or link.startswith("#"):
            continue
        assert (ROOT / link.split("#", 1)[0]).exists(), f"README: broken link {link}"


def sanitize_rules() -> list[tuple[str, str]]:
    lines = [line for line in (ROOT / "tests" / "sanitize.cfg").read_text(encoding="utf-8").splitlines()
             if line.startswith(("regex:", "replace:"))]
    rules = list(zip(lines[::2], lines[1::2]))
    assert all(r.startswith("regex:") and s.startswith("replace:") for r, s in rules), "unpaired rule"
    return [(r[len("regex:"):].strip(), s[len("replace:"):].strip()) for r, s in rules]


def saved_output_text() -> str:
    texts = []
    for path in NOTEBOOKS:
        for cell in nbformat.read(path, as_version=4).cells:
            for output in cell.get("outputs", []):
                texts.append(output.get("text", "") or str(output.get("data", {}).get("text/plain", "")))
    return "\n".join(texts)


def test_every_sanitize_rule_matches_a_saved_output():
    outputs = saved_output_text()
    for regex, _ in sanitize_rules():
        assert re.search(regex, outputs), f"sanitize rule matches no saved output: {regex}"


def test_the_port_rule_spares_the_ports_a_lesson_chooses():
    (regex, _), *_ = sanitize_rules()
    for chosen in ("127.0.0.1:4444", "[::1]:8080", "127.0.0.1:0", "127.0.0.1:99999", "127.0.0.1:80"):
        assert not re.search(regex, chosen), chosen
    for picked in ("127.0.0.1:32768", "127.0.0.1:60999", "[::1]:49152", "localhost:65535"):
        assert re.search(regex, picked), picked


def test_notebooks_after_the_lab_are_listed_under_going_further(tmp_path):
    tool = load_tool()
    paths = []
    for name, title in [("00-start.ipynb", "00 Start"), ("09-lab.ipynb", "09 Lab"), ("10-c.ipynb", "10 C")]:
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_markdown_cell(f"# {title}\n\nWhat {title} does.")]
        nbformat.write(nb, tmp_path / name)
        paths.append(tmp_path / name)
    table = tool.syllabus_table(paths)
    core, further = table.split("\n\n### Going further\n\n")
    assert "[09 Lab](09-lab.ipynb)" in core and "10 C" not in core
    assert further.splitlines()[2] == "| [10 C](10-c.ipynb) | What 10 C does. |"
    assert "### Going further" not in tool.syllabus_table(paths[:2])

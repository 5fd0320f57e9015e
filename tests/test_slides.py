"""tools/slides.py: every notebook presents its questions, key demos and key points, and nothing else changes.

The slide metadata is RISE's (``metadata.slideshow.slide_type`` on each cell,
``metadata.rise`` on the notebook). These tests hold the committed notebooks
to the tool's rules (running the tool changes nothing), prove that the tool
touches only that metadata (sources and outputs, which nbval compares, stay
byte for byte), and check each rule on small notebooks made here.
"""

from __future__ import annotations

import importlib.metadata
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from packaging.requirements import Requirement

from tests.tool_loading import load_script

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))

slides = load_script(ROOT / "tools" / "slides.py", "slides")

FIGURE_OUTPUT = nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"})
PANEL_OUTPUT = nbformat.v4.new_output("display_data", data={
    "application/vnd.jupyter.widget-view+json": {"model_id": "m", "version_major": 2, "version_minor": 0},
    "text/plain": "Panel()"})


def printed(text: str = "x\n") -> nbformat.NotebookNode:
    return nbformat.v4.new_output("stream", name="stdout", text=text)


def code(source: str, *outputs, **metadata) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source, metadata=metadata)
    cell.outputs = list(outputs)
    return cell


def md(source: str, **metadata) -> nbformat.NotebookNode:
    return nbformat.v4.new_markdown_cell(source, metadata=metadata)


def kinds(*cells) -> list[str]:
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    return slides.slide_types(nb)


def kind_of(cell) -> str:
    return cell.metadata.get("slideshow", {}).get("slide_type")


def sections(nb) -> list[tuple[str, list]]:
    """The notebook's ``##`` sections: (heading, the cells from the one holding it up to the next)."""
    found: list[tuple[str, list]] = []
    for cell in nb.cells:
        heads = [text for level, text in slides.headings(cell.source) if level <= 2] if cell.cell_type == "markdown" else []
        if heads:
            found.append((heads[-1], [cell]))
        elif found:
            found[-1][1].append(cell)
    return found


# --------------------------------------------------------------- the committed notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_deck_opens_with_the_questions_and_closes_with_the_key_points(path):
    nb = nbformat.read(path, as_version=4)
    shown = [cell for cell in nb.cells if kind_of(cell) != "skip"]
    assert re.search(r"^## Questions$", shown[0].source, flags=re.M), f"{path.name}: the first slide has no questions"
    assert kind_of(shown[0]) == "slide"
    key_points = [cell for cell in nb.cells if re.search(r"^## Key points$", cell.source, flags=re.M)]
    assert len(key_points) == 1, f"{path.name}: one Key points cell expected"
    assert kind_of(key_points[0]) == "slide"
    assert all(kind_of(cell) == "skip" for cell in nb.cells[nb.cells.index(key_points[0]) + 1:]
               if cell.cell_type == "code"), f"{path.name}: housekeeping after the key points is on a slide"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_section_is_a_slide_and_shows_its_key_demo(path):
    nb = nbformat.read(path, as_version=4)
    for heading, cells in sections(nb):
        assert kind_of(cells[0]) == "slide", f"{path.name}: section {heading!r} is not a slide"
        demos = [c for c in cells if c.cell_type == "code" and c.outputs and not slides.is_setup(c.source)
                 and not slides.is_solution(c) and not slides.is_check(c)]
        if demos and heading not in slides.CLOSING_SECTIONS and not heading.startswith("Exercise"):
            shown = [c for c in cells if c.cell_type == "code" and kind_of(c) == "subslide"]
            assert shown, f"{path.name}: section {heading!r} has demos but none is on a slide"
            assert shown[0] is demos[0], f"{path.name}: section {heading!r} does not open with its first demo"
    for cell in nb.cells:
        output = slides.shows(cell) if cell.cell_type == "code" else set()
        if output & {slides.FIGURE, slides.PANEL} and not slides.is_solution(cell):
            assert kind_of(cell) == "subslide", f"{path.name}: a figure or panel is not on a slide: {cell.source[:60]!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_answer_is_ever_projected(path):
    nb = nbformat.read(path, as_version=4)
    solutions = [c for c in nb.cells if slides.is_solution(c) or slides.is_check(c)]
    assert all(kind_of(cell) == "skip" for cell in solutions)
    for heading, cells in sections(nb):
        after = False
        for cell in cells:
            after = after or slides.is_solution(cell)
            if after and cell.cell_type == "code":
                assert kind_of(cell) == "skip", f"{path.name}: {heading!r} shows code run after its solution"


def test_every_notebook_has_a_slide_type_on_every_cell_and_rise_s_settings():
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        assert {kind_of(cell) for cell in nb.cells} <= set(slides.SLIDE_TYPES), path.name
        assert nb.metadata["rise"] == {"scroll": True, "theme": "white", "transition": "none"}, path.name
        nbformat.validate(nb)


def test_running_the_tool_changes_nothing(tmp_path):
    for path in NOTEBOOKS:
        shutil.copy(path, tmp_path / path.name)
    copies = sorted(tmp_path.glob("*.ipynb"))
    assert slides.run(copies, check=True) == 0, "a notebook's slides differ from the rules: run python tools/slides.py"
    assert slides.run(copies, check=False) == 0
    for path, copy in zip(NOTEBOOKS, copies):
        assert copy.read_bytes() == path.read_bytes(), f"{path.name} changed when the tool ran again"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_tool_writes_only_slide_metadata(path):
    """From the notebook without any slide metadata, the tool makes the committed file exactly,
    and every cell's source, outputs, execution count and other metadata are what they were."""
    committed = nbformat.read(path, as_version=4)
    bare = nbformat.read(path, as_version=4)
    for cell in bare.cells:
        cell.metadata.pop("slideshow", None)
    bare.metadata.pop("rise", None)
    before = nbformat.from_dict(bare)
    assert slides.apply(bare)  # something to do: every cell gets a type
    assert nbformat.writes(bare) == nbformat.writes(committed)
    assert len(bare.cells) == len(before.cells)
    for old, new in zip(before.cells, bare.cells):
        assert new.source == old.source and new.cell_type == old.cell_type and new.get("id") == old.get("id")
        assert new.get("outputs") == old.get("outputs") and new.get("execution_count") == old.get("execution_count")
        assert {k: v for k, v in new.metadata.items() if k != "slideshow"} == old.metadata
    assert {k: v for k, v in bare.metadata.items() if k != "rise"} == before.metadata


# ------------------------------------------------------------------------- the rules
def test_navigation_title_sections_and_subsections():
    assert kinds(
        md("<!-- nav -->\n[Contents](00-start-here.ipynb#Syllabus)"),
        md("# 06 Byte streams\n\nText.\n\n## Questions\n- Why?\n\n## Objectives\n- This."),
        md("Some prose."),
        md("A closing remark.\n\n## The next section\n\nIts opening."),
        md("### A subsection"),
        md("```python\n# a comment, not a heading\n## nor this\n```"),
    ) == ["skip", "slide", "notes", "slide", "subslide", "notes"]


def test_the_first_demo_of_each_section_figures_and_panels_are_shown():
    assert kinds(
        md("## Section"),
        code("x = 1"),                          # no output: nothing to show
        code("print(x)", printed()),            # the section's opening demo
        code("print(x + 1)", printed()),        # a further demo: in the notebook only
        code("plot()", FIGURE_OUTPUT),          # a figure: always shown
        md("### Subsection"),
        code("print(2)", printed()),            # the subsection's opening demo
        code("Panel()", PANEL_OUTPUT),          # a live panel: always shown
    ) == ["slide", "skip", "subslide", "skip", "subslide", "subslide", "subslide", "subslide"]


def test_set_up_cells_are_not_demos():
    assert kinds(
        md("## Section"),
        code("import socket\nfrom sockutil import Server\n\nprint('ready')", printed("ready\n")),
        code("await asyncio.sleep(0)\nprint('a demo')", printed()),
    ) == ["slide", "skip", "subslide"]
    assert slides.is_setup("import os\nprint('ready')")
    assert not slides.is_setup("CC = find()\nprint(CC)")
    assert not slides.is_setup("%timeit 1")        # IPython syntax: not plain set-up
    assert not slides.is_setup("")
    assert not slides.is_setup("print(2 ** 16)")   # printing alone is a demo


def test_no_solution_check_or_code_after_a_solution_is_shown():
    grade = {"nbgrader": {"grade": True, "grade_id": "x_check", "points": 1}}
    assert kinds(
        md("## Exercise: shout", nbgrader={"grade_id": "shout_statement_1", "locked": True}),
        md("More of the task.", nbgrader={"grade_id": "shout_statement_2", "locked": True}),
        code("def shout(): ..."),
        md("A solution, if you are stuck (try first!):", tags=["solution"]),
        code("### BEGIN SOLUTION\n...\n### END SOLUTION", printed(), tags=["solution"]),
        code("print(shout())", printed("HELLO\n")),   # runs the worked solution: gives it away
        code("check_shout(shout)", printed("ok\n"), **grade),
        md("## Next"),
        code("print(1)", printed()),
    ) == ["slide", "subslide", "skip", "skip", "skip", "skip", "skip", "slide", "subslide"]


def test_the_closing_sections_show_no_code():
    assert kinds(
        md("## Key points\n- one"),
        code("sockutil.stop_all()\nprint(sockutil.running_servers())", printed("[]\n")),
        md("Prose.\n\n## Cleaning up"),
        code("folder.cleanup()\nprint(1)", printed()),
        md("## Going further\n\n## Key points"),   # the last heading of a cell decides
        code("stop()\nprint(2)", printed()),
    ) == ["slide", "skip", "slide", "skip", "slide", "skip"]


# ----------------------------------------------------------------------- command line
def test_check_names_a_notebook_that_differs_and_writing_fixes_it(tmp_path, capsys):
    copy = tmp_path / NOTEBOOKS[0].name
    nb = nbformat.read(NOTEBOOKS[0], as_version=4)
    nb.cells[1].metadata["slideshow"] = {"slide_type": "skip"}   # the questions hidden by hand
    nbformat.write(nb, copy)
    assert slides.main(["--check", str(copy)]) == 1
    assert f"{copy.name}: slide metadata differs" in capsys.readouterr().out
    assert slides.main([str(copy)]) == 0
    assert copy.read_bytes() == NOTEBOOKS[0].read_bytes()


def test_a_file_that_is_not_a_notebook_gets_a_clear_error(tmp_path, capsys):
    bad = tmp_path / "bad.ipynb"
    bad.write_text("not json")
    assert slides.main([str(bad)]) == 2
    assert slides.main([str(tmp_path / "missing.ipynb")]) == 2
    err = capsys.readouterr().err
    assert err.count("slides: cannot read") == 2 and "Traceback" not in err


# ----------------------------------------------------------------------- the extension
def pinned(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split(" #", 1)[0].strip()
        if line and not line.startswith(("#", "-")):
            requirement = Requirement(line)
            pins[requirement.name.lower()] = str(requirement.specifier).removeprefix("==")
    return pins


def test_rise_is_pinned_for_the_pinned_jupyterlab_in_both_requirement_files():
    top, binder = pinned(ROOT / "requirements.txt"), pinned(ROOT / "binder" / "requirements.txt")
    assert top["jupyterlab-rise"] == binder["jupyterlab-rise"]
    installed = importlib.metadata.version("jupyterlab-rise")
    assert installed == top["jupyterlab-rise"], "pip install -r requirements.txt: a different RISE is installed"
    needs = [Requirement(r) for r in importlib.metadata.requires("jupyterlab-rise") or [] if "extra ==" not in r]
    jupyterlab = next(r for r in needs if r.name == "jupyterlab")
    assert top["jupyterlab"] in jupyterlab.specifier, f"RISE {installed} needs {jupyterlab}"

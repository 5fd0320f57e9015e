"""The course website and PDF (tools/build_site.py): built from a clean tree, complete, and without broken links.

One build serves the module: the files git tracks are copied to a scratch
folder (what a fresh clone holds: nothing built, nothing untracked), and
``python tools/build_site.py --repo ...`` runs there as an instructor runs it.
Then every notebook must have its page in syllabus order, with every figure
saved in the notebook on it (the same PNG bytes), a Binder button that opens
that notebook, an ``.ipynb`` download, and the previous/next links; no solution
may show, nor words about one, nor a self-check's verdict on one under a stub
(the pages are the student edition, "Your turn" notes included); the contents
keep README's two parts; every link inside the site must reach a file and, with
a ``#``, an anchor on it; and the PDF must start a page, with an outline entry
in the heading's words, for every notebook, hold every figure, and leave out the
website's buttons. The unit tests at the end check the staging without Sphinx.

The PDF is printed by Chromium: without it the tests of the built site skip and
say how to install it; under CI (``CI=true``) a missing browser is a failure.
Those tests carry the ``browser`` mark, so the runs that leave the browser out
leave them out too.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
#: The repository the test's build names; its Binder buttons must launch it.
REPO = "example-school/sockets-course"
sys.path.insert(0, str(ROOT / "tools"))
import build_site  # noqa: E402
import site_pdf  # noqa: E402

from tests.tool_loading import load_script

sys.path.remove(str(ROOT / "tools"))

#: The tests of the built site need Chromium, which prints the PDF: they carry the browser mark, so
#: the runs that leave the browser out (macOS and Windows in CI) leave them out too.
PRINTS_WITH_CHROMIUM = pytest.mark.browser


class Page(HTMLParser):
    """What a page holds: its links, images (with the class of the block around them), ids and text."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, dict]] = []  # (href, attributes) of every <a>
        self.images: list[tuple[str, bool]] = []  # (src, inside a cell's output)
        self.alts: list[str] = []  # the alt text of every image in a cell's output
        self.ids: set[str] = set()
        self.chunks: list[str] = []
        self._stack: list[str] = []  # the class attribute of every open <div>
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(attributes["id"])
        if tag == "a" and attributes.get("href") is not None:
            self.links.append((attributes["href"], attributes))
        if tag == "img":
            in_output = any("cell_output" in c for c in self._stack)
            self.images.append((attributes.get("src", ""), in_output))
            if in_output:
                self.alts.append(attributes.get("alt", ""))
        if tag == "div":
            self._stack.append(attributes.get("class") or "")

    def handle_endtag(self, tag):
        if tag == "div" and self._stack:
            self._stack.pop()

    def handle_data(self, data):
        self.chunks.append(data)

    @property
    def text(self) -> str:
        return "".join(self.chunks)


def read_page(path: Path) -> Page:
    return Page(path.read_text(encoding="utf-8"))


def chromium_or_skip() -> None:
    try:
        build_site.chromium()
    except build_site.SiteError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"no browser under CI: {error}")
        pytest.skip(str(error))


def _load_pythons():
    """.ci/pythons.py, for its ``scratch_copy``: the same copy of the tree the other Pythons' runs use."""
    return load_script(ROOT / ".ci" / "pythons.py", "kit_ci_pythons")


def tracked_copy(destination: Path) -> None:
    """What a fresh clone of this tree holds: the files git tracks (and new ones it does not ignore).

    In a tree that is no git clone (the scratch copy .ci/pythons.py tests the newest Python in), every
    file but caches, environments and build output: see ``scratch_copy`` there.
    """
    _load_pythons().scratch_copy(destination, ROOT)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The site built from a clean tree by the README's command; yields its output folder (build/site)."""
    chromium_or_skip()
    clone = tmp_path_factory.mktemp("clone")
    tracked_copy(clone)
    assert not (clone / "build").exists(), "a clean tree has no build output"
    done = subprocess.run(
        [sys.executable, "tools/build_site.py", "--repo", REPO],
        cwd=clone, capture_output=True, text=True, timeout=290,  # within pytest-timeout's 300 s
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = clone / "build" / "site"
    assert f"html: {out / 'html' / 'index.html'}" in done.stdout
    return out


def title(path: Path) -> str:
    """A notebook's title: the first level-1 heading of its markdown ("00 Start here")."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        found = re.search(r"^# (.+)$", cell.source, flags=re.M) if cell.cell_type == "markdown" else None
        if found:
            return found[1].strip()
    raise AssertionError(f"{path.name} has no # title")


def test_the_output_folder_is_ignored_by_git():
    if not (ROOT / ".git").exists():
        pytest.skip("not a git clone (a scratch copy of one): git cannot say what it ignores here")
    paths = ["build/site/course.pdf", "build/site/html/index.html"]
    done = subprocess.run(
        ["git", "-C", str(ROOT), "check-ignore", *paths], capture_output=True, text=True, timeout=60,
    )
    assert done.stdout.split() == paths, "build/site/ must be ignored by .gitignore"


@PRINTS_WITH_CHROMIUM
def test_every_notebook_has_a_page_in_syllabus_order(built):
    home = read_page(built / "html" / "index.html")
    toc = [href for href, _ in home.links if re.fullmatch(r"notebooks/\d\d-[\w-]+\.html", href)]
    expected = [f"notebooks/{path.stem}.html" for path in NOTEBOOKS]
    assert list(dict.fromkeys(toc)) == expected
    for path in NOTEBOOKS:
        page = read_page(built / "html" / "notebooks" / f"{path.stem}.html")
        assert title(path) in page.text, path.name


def readme_syllabus() -> list[tuple[str | None, list[str]]]:
    """README's syllabus: (heading, notebook stems) for each of its tables; the first has no heading of its own."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    syllabus = readme.split("<!-- syllabus:start -->", 1)[1].split("<!-- syllabus:end -->", 1)[0]
    parts = re.split(r"^### (.+)$", syllabus, flags=re.M)
    headings = [None] + [heading.strip() for heading in parts[1::2]]
    return [(heading, re.findall(r"\]\(notebooks/(\d\d-[\w-]+)\.ipynb\)", table))
            for heading, table in zip(headings, parts[::2])]


def contents_groups(html: str, current: str = "") -> list[tuple[str, list[str]]]:
    """The tables of contents on a page, in order: (caption, notebook stems) for each caption.

    ``current``: the page's own notebook, which its sidebar links as "#".
    """
    groups: list[tuple[str, list[str]]] = []
    entry = r'toctree-l1[^>]*>\s*<a [^>]*href="(?:(?:\.\./)?(?:notebooks/)?(\d\d-[\w-]+)\.html|(#))"'
    for found in re.finditer(r'caption-text">([^<]+)<|' + entry, html):
        if found[1]:
            groups.append((found[1], []))
        elif groups:
            groups[-1][1].append(found[2] or current)
    return groups


@PRINTS_WITH_CHROMIUM
def test_the_contents_keep_the_readmes_going_further_part(built):
    syllabus = readme_syllabus()
    assert [heading for heading, _ in syllabus] == [None, "Going further"], "README's syllabus changed"
    assert [stem for _, stems in syllabus for stem in stems] == [path.stem for path in NOTEBOOKS]
    expected = [(heading or build_site.COURSE_CAPTION, stems) for heading, stems in syllabus]
    home = (built / "html" / "index.html").read_text(encoding="utf-8")
    assert contents_groups(home) == expected * 2, "the sidebar's and the home page's contents, in two parts"
    page = (built / "html" / "notebooks" / f"{NOTEBOOKS[5].stem}.html").read_text(encoding="utf-8")
    assert contents_groups(page, NOTEBOOKS[5].stem) == expected, "a notebook page's sidebar"


@PRINTS_WITH_CHROMIUM
def test_previous_and_next_link_the_notebooks_in_order(built):
    pages = ["index"] + [f"notebooks/{path.stem}" for path in NOTEBOOKS]
    for before, page_name, after in zip(pages, pages[1:], pages[2:] + [None]):
        page = read_page(built / "html" / f"{page_name}.html")
        prev = [href for href, a in page.links if "left-prev" in a.get("class", "")]
        next_ = [href for href, a in page.links if "right-next" in a.get("class", "")]
        here = (built / "html" / page_name).parent
        assert [(here / href).resolve() for href in prev] == [(built / "html" / f"{before}.html").resolve()]
        if after:
            assert [(here / href).resolve() for href in next_] == [(built / "html" / f"{after}.html").resolve()]
        else:
            assert next_ == [], "the last notebook has no next page"


@PRINTS_WITH_CHROMIUM
def test_each_page_launches_its_notebook_on_binder_and_downloads_it(built):
    for path in NOTEBOOKS:
        page = read_page(built / "html" / "notebooks" / f"{path.stem}.html")
        launch = f"https://mybinder.org/v2/gh/{REPO}/HEAD?urlpath=lab/tree/notebooks/{path.name}"
        assert launch in [href for href, _ in page.links], path.name
        download = f"../_sources/notebooks/{path.name}"
        assert download in [href for href, _ in page.links], path.name
        copy = nbformat.read(built / "html" / "_sources" / "notebooks" / path.name, as_version=4)
        nbformat.validate(copy)
        assert not [c for c in copy.cells if "solution" in c.metadata.get("tags", []) and c.cell_type != "code"]
        assert "### BEGIN SOLUTION" not in "".join(c.source for c in copy.cells), path.name
        assert "comes alive in JupyterLab" not in "".join(c.source for c in copy.cells), "the site's notes stay on it"
        original = nbformat.read(path, as_version=4)
        stale = {id(cell) for cell in verdicts_under_a_stub(original)}
        saved = sum(len(c.get("outputs", [])) for c in original.cells
                    if "solution" not in c.metadata.get("tags", []) and id(c) not in stale)
        assert sum(len(c.get("outputs", [])) for c in copy.cells) == saved, "the download keeps the saved outputs"
        # What the page shows: the student edition's words and notes, no verdict on a removed solution.
        assert not re.search("worked solution", "".join(c.source for c in copy.cells), re.I), path.name
        assert "checks passed" not in str([c.get("outputs") for c in copy.cells]), path.name
        notes = [c for c in copy.cells if "student-note" in c.metadata.get("tags", [])]
        assert len(notes) == exercises(original), f"{path.name}: a 'Your turn' note for every exercise"


SELF_CHECK = re.compile(r"^check_\w+\(.*\)\s*$", re.M)


def verdicts_under_a_stub(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """The self-checks whose saved verdict judged a solution the site leaves out: the first after each."""
    found, after_solution = [], False
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if "solution" in cell.metadata.get("tags", []):
            after_solution = True
        elif after_solution and SELF_CHECK.search(cell.source):
            found.append(cell)
            after_solution = False
    return found


def exercises(nb: nbformat.NotebookNode) -> int:
    """How many places lose solution cells (a run of them, however long, is one)."""
    runs, before = 0, False
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith("<!-- nav -->"):
            continue
        is_solution = "solution" in cell.metadata.get("tags", [])
        runs += is_solution and not before
        before = is_solution
    return runs


def figures(path: Path) -> list[tuple[str, str]]:
    """The SHA-256 and alt text of every PNG saved in the notebook's outputs, outside solution cells."""
    nb = nbformat.read(path, as_version=4)
    found = []
    for cell in nb.cells:
        if cell.cell_type != "code" or "solution" in cell.metadata.get("tags", []):
            continue
        for output in cell.outputs:
            png = output.get("data", {}).get("image/png")
            if png:
                alt = output.get("metadata", {}).get("image/png", {}).get("alt", "")
                found.append((hashlib.sha256(base64.b64decode(png)).hexdigest(), alt))
    return found


@PRINTS_WITH_CHROMIUM
def test_every_figure_is_on_its_page(built):
    total = 0
    for path in NOTEBOOKS:
        page_path = built / "html" / "notebooks" / f"{path.stem}.html"
        page = read_page(page_path)
        shown = []
        for src, in_output in page.images:
            if in_output:
                image = (page_path.parent / unquote(src)).resolve()
                assert image.is_file(), f"{path.name}: {src} is missing"
                shown.append(hashlib.sha256(image.read_bytes()).hexdigest())
        saved = figures(path)
        assert shown == [digest for digest, _ in saved], f"{path.name}: the page's figures are not the notebook's"
        assert page.alts == [alt for _, alt in saved], f"{path.name}: a figure lost its alt text"
        assert all(page.alts), f"{path.name}: a figure has no alt text"
        total += len(shown)
    assert total >= 10, "the course has figures; the test must have seen them"


@PRINTS_WITH_CHROMIUM
def test_widgets_show_their_text_form_and_a_note(built):
    seen = 0
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        page = read_page(built / "html" / "notebooks" / f"{path.stem}.html")
        for cell in nb.cells:
            for output in cell.get("outputs", []):
                if build_site.WIDGET_VIEW in output.get("data", {}):
                    seen += 1
                    assert output["data"]["text/plain"] in page.text, path.name
        html = (built / "html" / "notebooks" / f"{path.stem}.html").read_text(encoding="utf-8")
        assert "application/vnd.jupyter.widget" not in html, f"{path.name}: a widget view or state is on the page"
    assert seen >= 4
    note = "It comes alive in JupyterLab"
    assert note in read_page(built / "html" / "notebooks" / "02-client-and-server.html").text


@PRINTS_WITH_CHROMIUM
def test_no_solution_is_on_the_site(built):
    checked = verdicts = 0
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        others = "\n".join(c.source for c in nb.cells if "solution" not in c.metadata.get("tags", []))
        text = read_page(built / "html" / "notebooks" / f"{path.stem}.html").text
        for cell in nb.cells:
            if cell.cell_type == "code" and "solution" in cell.metadata.get("tags", []):
                body = cell.source.split("### BEGIN SOLUTION", 1)[1]
                lines = {line.strip() for line in body.splitlines() if len(line.strip()) > 20}
                own = {line for line in lines if line not in others}  # lines the stubs do not share
                checked += len(own)
                shown = [line for line in own if line in text]
                assert not shown, f"{path.name}: a solution shows on the site: {shown[:3]}"
        assert "### BEGIN SOLUTION" not in text
        # The student edition's words: nothing speaks of a worked solution the page does not have.
        assert not re.search(r"worked\s+solution", text, re.I), f"{path.name}: speaks of a worked solution"
        # A self-check under a stub shows no verdict on the solution that was removed.
        assert "checks passed" not in text, f"{path.name}: a self-check's verdict on a removed solution"
        for check in verdicts_under_a_stub(nb):
            verdicts += 1
            for output in check.outputs:
                lines = [line for line in output.get("text", "").splitlines() if line.strip()]
                assert not [line for line in lines if line in text], f"{path.name}: {lines[-1:]} is on the page"
        assert text.count("Your turn.") == exercises(nb), f"{path.name}: a 'Your turn' note for every exercise"
    assert checked > 50, "the course's solutions have lines of their own; the test must have looked for them"
    assert verdicts >= 15, "the course's exercises end in self-checks; the test must have looked at them"


def local_target(page: Path, href: str, html_root: Path) -> tuple[Path, str] | None:
    """The file and anchor a link inside the site points to, or None for a link that leaves the site."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or href.startswith(("mailto:", "javascript:")):
        return None
    target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
    if target.is_dir():
        target = target / "index.html"
    assert html_root.resolve() in target.parents or target == html_root.resolve(), f"{page}: {href} leaves the site"
    return target, parts.fragment


@PRINTS_WITH_CHROMIUM
def test_no_internal_link_is_broken(built):
    html_root = built / "html"
    pages = sorted(html_root.rglob("*.html"))
    parsed = {path.resolve(): read_page(path) for path in pages}
    broken, checked = [], 0
    for path in pages:
        page = parsed[path.resolve()]
        for href, _ in page.links + [(src, {}) for src, _ in page.images]:
            found = local_target(path, href, html_root)
            if found is None:
                continue
            target, fragment = found
            checked += 1
            if not target.is_file():
                broken.append(f"{path.relative_to(html_root)}: {href} (no such file)")
            elif fragment and target.suffix == ".html" and unquote(fragment) not in parsed[target].ids:
                broken.append(f"{path.relative_to(html_root)}: {href} (no such anchor)")
    assert not broken, "\n".join(broken[:20])
    assert checked > 500


@PRINTS_WITH_CHROMIUM
def test_the_home_page_links_the_pdf(built):
    home = read_page(built / "html" / "index.html")
    assert build_site.PDF_NAME in [href for href, _ in home.links]
    assert (built / "html" / build_site.PDF_NAME).read_bytes()[:5] == b"%PDF-"


class Headings(HTMLParser):
    """The text of every heading of a page (h1-h6 and role=heading), without the "#" link to it."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.headings: list[str] = []
        self._open: list[str] = []  # the tags open inside the current heading, or [] outside one
        self._skip = 0  # depth inside a headerlink
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if self._open:
            self._open.append(tag)
            if self._skip or "headerlink" in (attributes.get("class") or ""):
                self._skip += 1
        elif re.fullmatch(r"h[1-6]", tag) or attributes.get("role") == "heading":
            self._open, self._skip = [tag], 0
            self.headings.append("")

    def handle_endtag(self, tag):
        if self._open:
            self._open.pop()
            self._skip = max(0, self._skip - 1) if self._skip else 0

    def handle_data(self, data):
        if self._open and not self._skip:
            self.headings[-1] += data


@PRINTS_WITH_CHROMIUM
def test_the_pdf_outline_reads_as_the_headings(built):
    from pypdf import PdfReader

    reader = PdfReader(built / build_site.PDF_NAME)
    titles = []

    def walk(outline):
        for item in outline:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(item.title)

    walk(reader.outline)
    single = (built / "pdf" / "singlehtml" / "index.html").read_text(encoding="utf-8")
    headings = {" ".join(text.split()) for text in Headings(single).headings}
    assert titles[0] == "Network Sockets: a Jupyter course kit"
    wrong = [title for title in titles if title not in headings]
    assert not wrong, f"outline entries that are no heading's words: {wrong[:5]}"
    assert len(titles) > 150, "the course has many headings; the test must have seen them"


@PRINTS_WITH_CHROMIUM
def test_the_pdf_leaves_out_the_websites_buttons(built):
    from pypdf import PdfReader

    home = read_page(built / "html" / "index.html").text
    assert "rocket button" in home and "download" in home
    reader = PdfReader(built / build_site.PDF_NAME)
    start = " ".join(page.extract_text() for page in reader.pages[:2])
    assert "student edition" in start, "the PDF starts with the home page"
    assert "rocket" not in start and build_site.PDF_NAME not in start


@PRINTS_WITH_CHROMIUM
def test_the_pdf_starts_a_page_for_every_notebook_and_holds_every_figure(built):
    from pypdf import PdfReader

    reader = PdfReader(built / build_site.PDF_NAME)
    entries = {}

    def walk(outline):
        for item in outline:
            if isinstance(item, list):
                walk(item)
            else:
                entries.setdefault(item.title.strip(), reader.get_destination_page_number(item))

    walk(reader.outline)
    starts = []
    for path in NOTEBOOKS:
        name = title(path)
        assert name in entries, f"the PDF's outline has no entry for {name!r}"
        first = reader.pages[entries[name]].extract_text().strip()
        assert first.startswith(name), f"{name!r} does not start its page: {first[:80]!r}"
        starts.append(entries[name])
    assert starts == sorted(set(starts)), "each notebook starts its own page, in syllabus order"
    assert len(reader.pages) > starts[-1]
    images = 0
    for page in reader.pages:  # counted from the pages' resources, without decoding them
        objects = page.get("/Resources", {}).get("/XObject", {})
        images += sum(1 for item in objects.values() if item.get_object().get("/Subtype") == "/Image")
    assert images == sum(len(figures(path)) for path in NOTEBOOKS), "every figure is in the PDF, once"


# Staging, without Sphinx ------------------------------------------------------------------------


def test_site_copy_leaves_out_solutions_and_navigation_and_notes_widgets():
    nb = nbformat.v4.new_notebook()
    nb.metadata["widgets"] = {"state": {}}
    nav = nbformat.v4.new_markdown_cell("<!-- nav -->\n[Contents](00-start-here.ipynb#Syllabus)")
    stub = nbformat.v4.new_code_cell("def f():\n    raise NotImplementedError")
    about = nbformat.v4.new_markdown_cell("A solution, if you are stuck:")
    about.metadata["tags"] = ["solution"]
    solution = nbformat.v4.new_code_cell("### BEGIN SOLUTION\ndef f():\n    return 42\n### END SOLUTION")
    solution.metadata["tags"] = ["solution"]
    mixed = nbformat.v4.new_code_cell("def g():\n### BEGIN SOLUTION\n    return 1\n### END SOLUTION\n    ...")
    mixed.metadata["tags"] = ["solution"]
    mixed.outputs = [nbformat.v4.new_output("stream", text="from the solution\n")]
    panel = nbformat.v4.new_code_cell("panel")
    panel.outputs = [nbformat.v4.new_output("execute_result", data={
        "text/plain": "ServerPanel 'x': echo server, stopped",
        build_site.WIDGET_VIEW: {"model_id": "abc", "version_major": 2, "version_minor": 0},
    }, execution_count=1)]
    figure = nbformat.v4.new_code_cell("plot()")
    figure.outputs = [nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "F"},
                                             metadata={"image/png": {"alt": "A bar chart."}})]
    nb.cells = [nav, stub, about, solution, mixed, panel, figure]
    copy = build_site.site_copy(nb, "t.ipynb")
    sources = [c.source for c in copy.cells]
    assert sources[0] == stub.source
    assert sources[1].startswith("**Your turn.** Your `f` goes in the code cell above"), "the student edition's note"
    assert "student-note" in copy.cells[1].metadata["tags"]
    assert sources[2] == "def g():\n    ..." and copy.cells[2].outputs == []
    assert sources[3] == "panel" and build_site.WIDGET_VIEW not in copy.cells[3].outputs[0]["data"]
    assert copy.cells[3].outputs[0]["data"]["text/plain"].startswith("ServerPanel")
    assert copy.cells[4].cell_type == "markdown" and "comes alive in JupyterLab" in sources[4]
    download = build_site.download_copy(copy)
    assert [c.source for c in download.cells] == sources[:4] + sources[5:], "the 'Your turn' note stays"
    assert "mystnb" not in download.cells[4].metadata
    assert copy.cells[5].outputs[0]["data"]["image/png"] == "iVBORw0KGgo="
    assert copy.cells[5].metadata["mystnb"]["image"]["alt"] == "A bar chart."
    assert len(copy.cells) == 6 and "widgets" not in copy.metadata
    nbformat.validate(copy)
    assert len(nb.cells) == 7, "the notebook itself is left alone"


def test_site_copy_clears_a_self_checks_verdict_on_a_removed_solution_and_keeps_other_outputs():
    stub = nbformat.v4.new_code_cell("def shout(port, text):\n    raise NotImplementedError", outputs=[])
    solution = nbformat.v4.new_code_cell("### BEGIN SOLUTION\ndef shout(port, text):\n    return text.upper()\n"
                                         "### END SOLUTION")
    solution.metadata["tags"] = ["solution"]
    demo = nbformat.v4.new_code_cell("print(shout(port, 'hi'))", execution_count=3,
                                     outputs=[nbformat.v4.new_output("stream", text="HI\n")])
    check = nbformat.v4.new_code_cell("from sockutil.checks.start_here import check_shout\n\ncheck_shout(shout)",
                                      execution_count=4,
                                      outputs=[nbformat.v4.new_output("stream", text="shout: all 6 checks passed.\n")])
    later = nbformat.v4.new_code_cell("check_other(other)", execution_count=5,
                                      outputs=[nbformat.v4.new_output("stream", text="other: all 2 checks passed.\n")])
    nb = nbformat.v4.new_notebook(cells=[stub, solution, demo, check, later])
    copy = build_site.site_copy(nb, "00-x.ipynb")
    by_source = {c.source: c for c in copy.cells}
    assert by_source[check.source].outputs == [] and by_source[check.source].execution_count is None
    assert by_source[demo.source].outputs == demo.outputs, "another output stays"
    assert by_source[later.source].outputs == later.outputs, "a self-check no solution ran before stays"
    note = copy.cells[1]
    assert note.source == ("**Your turn.** Your `shout` goes in the code cell above, the one that starts "
                           "`def shout(`: run it, then run the cells below, down to the self-check "
                           "`check_shout(shout)`: it says in words what works and what does not yet.")


def test_site_copy_rewords_as_the_student_edition_does(monkeypatch):
    intro = nbformat.v4.new_markdown_cell("A plan that works (the worked solution follows it); any other.")
    intro.id = "c1"
    nb = nbformat.v4.new_notebook(cells=[intro])
    monkeypatch.setitem(build_site.STUDENT_WORDING, ("09-x.ipynb", "c1"),
                        [("A plan that works (the worked solution follows it);", "A plan that works;")])
    assert build_site.site_copy(nb, "09-x.ipynb").cells[0].source == "A plan that works; any other."
    monkeypatch.setitem(build_site.STUDENT_WORDING, ("09-x.ipynb", "c1"), [("words no longer there", "x")])
    with pytest.raises(build_site.MarkerError, match="STUDENT_WORDING"):
        build_site.site_copy(nb, "09-x.ipynb")
    monkeypatch.setitem(build_site.STUDENT_WORDING, ("09-x.ipynb", "gone"), [("a", "b")])
    with pytest.raises(build_site.MarkerError, match="gone"):
        build_site.site_copy(nb, "09-x.ipynb")


def test_the_home_page_has_two_parts_and_the_pdf_no_buttons(tmp_path):
    paths = [tmp_path / f"{number:02d}-x.ipynb" for number in (0, 9, 10, 12)]
    for path in paths:
        nbformat.write(nbformat.v4.new_notebook(), path)
    build_site.stage(tmp_path / "source", paths)
    home = (tmp_path / "source" / "index.md").read_text(encoding="utf-8")
    assert build_site.TOC_MARKER not in home
    blocks = re.findall(r"```\{toctree\}\n:caption: ([^\n]+)\n:maxdepth: 1\n\n(.*?)\n```", home, flags=re.S)
    assert blocks == [(build_site.COURSE_CAPTION, "notebooks/00-x\nnotebooks/09-x"),
                      (build_site.FURTHER_CAPTION, "notebooks/10-x\nnotebooks/12-x")]
    web_only = re.search(r"```\{only\} not singlehtml\n(.*?)```", home, flags=re.S)[1]
    assert "rocket button" in web_only and build_site.PDF_NAME in web_only


@pytest.mark.parametrize("title, heading, mended", [
    ("Network Sockets: a Jupytercourse kit", "Network Sockets: a Jupyter course kit",
     "Network Sockets: a Jupyter course kit"),
    ("SyllabusSyllabus", "Syllabus", "Syllabus"),
    ("CLOSE: FIN, CLOSE_WAIT andCLOSE: FIN, CLOSE_WAIT andTIME_WAIT", "CLOSE: FIN, CLOSE_WAIT and TIME_WAIT",
     "CLOSE: FIN, CLOSE_WAIT and TIME_WAIT"),
    ("Questions", "Questions", "Questions"),
    ("Questions", "Objectives", None),
    ("Key points", "Key points and more", None),
    ("Going further", "further", None),
])
def test_an_outline_title_gets_its_headings_words_back(title, heading, mended):
    assert site_pdf.mended_title(title, heading) == mended


def test_a_malformed_solution_stops_the_build_with_a_message(tmp_path, capsys):
    nb = nbformat.v4.new_notebook()
    broken = nbformat.v4.new_code_cell("### BEGIN SOLUTION\nx = 1\n")
    broken.metadata["tags"] = ["solution"]
    nb.cells = [broken]
    path = tmp_path / "05-broken.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(build_site.SiteError, match=r"05-broken\.ipynb, cell 1.*has no ### END SOLUTION"):
        build_site.stage(tmp_path / "source", [path])
    assert not (tmp_path / "source").exists(), "nothing is written when a notebook is malformed"


def test_the_binder_repository_comes_from_repo_the_remote_or_a_placeholder(tmp_path):
    assert build_site.repository_url("me/course") == ("https://github.com/me/course", None)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True, timeout=60)
    url, warning = build_site.repository_url(None, root=tmp_path)
    assert url == build_site.PLACEHOLDER and "placeholder" in warning and "--repo" in warning
    for remote, expected in [
        ("git@github.com:someone/sockets.git", "https://github.com/someone/sockets"),
        ("https://gitlab.com/group/sockets.git", "https://gitlab.com/group/sockets"),
        # The theme cannot link these right: a placeholder and a warning, not a wrong link.
        ("https://gitlab.com/group/sub/sockets.git", None),
        ("https://git.example.edu/course/sockets.git", None),
    ]:
        subprocess.run(["git", "-C", str(tmp_path), "remote", "remove", "origin"], capture_output=True, timeout=60)
        subprocess.run(["git", "-C", str(tmp_path), "remote", "add", "origin", remote], check=True, timeout=60)
        url, warning = build_site.repository_url(None, root=tmp_path)
        if expected:
            assert (url, warning) == (expected, None)
        else:
            assert url == build_site.PLACEHOLDER and remote in warning and "--repo" in warning


def test_bad_repo_is_refused_clearly(capsys):
    assert build_site.main(["--repo", "only-a-name", "--no-pdf", "--out", os.devnull]) == 1
    error = capsys.readouterr().err
    assert error.startswith("build_site: ") and "OWNER/REPO" in error and "Traceback" not in error


def test_an_output_folder_that_cannot_be_made_is_refused_clearly(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert build_site.main(["--repo", "me/course", "--no-pdf", "--out", str(blocker / "site")]) == 1
    error = capsys.readouterr().err
    assert error.startswith("build_site: ") and "a-file" in error and "Traceback" not in error


def test_a_link_to_a_missing_notebook_or_heading_fails_the_build(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell(
        "# 00 Start here\n\nNext: [the layers](03-layerz.ipynb), and [a section](#no-such-heading).",
    )]
    path = tmp_path / "00-start-here.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(build_site.SiteError) as failed:
        build_site.build(tmp_path / "out", f"https://github.com/{REPO}", pdf=False, notebooks=[path])
    assert "03-layerz" in str(failed.value) and "no-such-heading" in str(failed.value)

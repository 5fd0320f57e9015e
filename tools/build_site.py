"""Build the course as a website and a PDF from the notebooks: ``python tools/build_site.py``.

Why: a student can read a lesson anywhere (a phone, a library computer) with
nothing installed, and launch it on Binder with one click when they want to
run it. Both are built from the same notebooks, with the outputs saved in them:

1. **Stage** (``OUT/source/``): each notebook's site copy. It is the student
   edition, as ``tools/student_edition.py`` writes it: cells tagged ``solution``
   lose their marked solution, the paragraphs about a solution go, the sentences
   that speak of one are reworded (its ``STUDENT_WORDING``), and a "Your turn"
   note stands where a solution was. Unlike that edition it keeps the saved
   outputs and figures (with the figure's alt text, which myst-nb reads from
   the cell's metadata rather than the output's), all but those a removed
   solution made: the solution's own, and the verdict of the self-check below it
   ("shout: all 6 checks passed." is not true of the stub the page shows).
   A widget keeps its text form (``ServerPanel 'x': echo server, stopped``) and
   gains a note that it comes alive in JupyterLab: a saved widget state is only
   a frozen picture, drawn by scripts from the internet. The navigation lines at
   the top and bottom of each notebook go too: the theme has its own
   previous/next links. The ``.ipynb`` a page offers for download is this copy
   without the notes the website adds (the "Your turn" notes stay: they are the
   student edition's).
2. **Website** (``OUT/html/``): Sphinx with myst-nb and sphinx-book-theme, one page
   per notebook in syllabus order, a Binder launch button and an ``.ipynb``
   download on each. Nothing is executed (``nb_execution_mode = "off"``). Sphinx
   runs with ``-W``: a link to a page or heading that does not exist fails the build.
3. **PDF** (``OUT/course.pdf``): the same source built as one HTML page
   (Sphinx's ``singlehtml``, in ``OUT/pdf/``), printed by Chromium driven by Playwright, as the
   browser test drives it (no TeX needed). Each notebook starts on a new page
   and has an entry in the PDF's outline (whose titles get back the spaces that
   Chromium loses where a heading wraps: ``tools/site_pdf.py``). A copy sits beside
   the website's home page, which links it; the home page's words about the
   website's buttons are left out of the PDF (``{only}`` in site/index.md).

Why not Jupyter Book 2: it fetches its site template from the internet at build
time, so it fails offline. Sphinx + myst-nb + sphinx-book-theme is the stack
Jupyter Book 1 is built on; all are pip packages and build offline.

The Binder buttons launch the repository this clone came from (its ``origin``
remote, as ``tools/binder_badge.py`` reads it: GitHub or GitLab, OWNER/REPO), or
``--repo OWNER/REPO`` on GitHub. Otherwise they name a placeholder, and the tool
says so.

    python tools/build_site.py                      # OUT = build/site (ignored by git)
    python tools/build_site.py --repo me/sockets-course
    python tools/build_site.py --no-pdf             # the website only
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from binder_badge import RemoteError, launch_path, remote_url  # noqa: E402
from refresh_notebooks import GOING_FURTHER_FROM  # noqa: E402
from site_pdf import CHROMIUM_ARGS, SiteError, chromium, chromium_candidate, print_pdf  # noqa: E402, F401
from student_edition import (  # noqa: E402
    NOTE_TAG as STUDENT_NOTE_TAG,
    STUDENT_WORDING,
    TAG,
    MarkerError,
    check_call,
    note_id,
    note_text,
    reword,
    strip_solution,
)

sys.path.remove(str(ROOT / "tools"))

#: Sphinx's configuration, the home page and the static files (site/conf.py says why this stack).
SITE = ROOT / "site"
NOTEBOOKS = ROOT / "notebooks"
#: build/ is ignored by git (.gitignore), so the output never lands in a commit.
DEFAULT_OUT = ROOT / "build" / "site"
#: What the Binder buttons name when the clone has no remote and no --repo is given.
PLACEHOLDER = "https://github.com/OWNER/REPO"
#: A widget's view in a saved output: JupyterLab draws it from the kernel; a static page cannot.
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
#: The first line of the navigation cells that tools/refresh_notebooks.py writes.
NAV_MARKER = "<!-- nav -->"
#: The tag of the cells the website adds (they are left out of the .ipynb a page offers for download).
NOTE_TAG = "site-note"
#: The note under a widget's text form.
WIDGET_NOTE = (
    "```{note}\n"
    "**A live panel.** Above is the panel's text form. It comes alive in JupyterLab: launch this "
    "notebook on Binder (the rocket button at the top of the page) or open it in your own JupyterLab, "
    "and run the cells.\n"
    "```"
)
#: The home page's placeholder for the PDF's link (a website built without the PDF has no such link).
PDF_MARKER = "<!-- pdf -->"
#: The home page's placeholder for its tables of contents (one per part of the syllabus).
TOC_MARKER = "<!-- toc -->"
#: The captions of the syllabus's two parts, as README.md's syllabus has them: the course (00 to the
#: lab), then, from notebook GOING_FURTHER_FROM on (tools/refresh_notebooks.py), "Going further".
COURSE_CAPTION = "The course"
FURTHER_CAPTION = "Going further"
#: The PDF's name, in OUT/ and beside the website's home page.
PDF_NAME = "course.pdf"
PDF_LINK = f'\nThe whole course is also one PDF, for print or offline reading: <a href="{PDF_NAME}">{PDF_NAME}</a>.\n'
#: Time for one Sphinx build: the website of 13 notebooks takes about 10 s of CPU here; room for a loaded machine.
SPHINX_TIMEOUT = 300


def site_copy(nb: nbformat.NotebookNode, name: str = "notebook") -> nbformat.NotebookNode:
    """The notebook as the website shows it (see the module's docstring); MarkerError if a solution is malformed.

    As in the student edition (``student_copy`` in tools/student_edition.py): the solutions go, the
    sentences about them are reworded (``STUDENT_WORDING``), and a "Your turn" note stands where they
    were. Unlike it, the saved outputs stay, except those a removed solution made: its own, and the
    verdict of the first self-check after it ("shout: all 6 checks passed."), which would be false
    under the stub a reader sees.
    """
    nb = nbformat.from_dict(nb)
    for notebook, cell_id in STUDENT_WORDING:
        if notebook == name and not any(cell.get("id") == cell_id for cell in nb.cells):
            raise MarkerError(f"{name}: STUDENT_WORDING names cell {cell_id!r}, which is not in the notebook")
    taken = {cell.get("id") for cell in nb.cells if cell.get("id")}
    cells: list[nbformat.NotebookNode] = []
    notes: list[tuple[int, nbformat.NotebookNode | None]] = []  # (position in cells, the stub above)
    removed_here = False  # solution cells were removed since the last cell kept
    stale_verdict = False  # a solution ran before the next self-check: its saved verdict is the solution's
    last_code: nbformat.NotebookNode | None = None
    for index, cell in enumerate(nb.cells):
        is_solution = TAG in cell.metadata.get("tags", [])
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith(NAV_MARKER):
            continue
        if cell.cell_type == "code" and is_solution:
            where = f"{name}, cell {index + 1}" + (f" (id {cell['id']})" if cell.get("id") else "")
            cell.source = strip_solution(cell.source, where)
            stale_verdict = True
            if not cell.source.strip():
                removed_here = True
                continue
            cell.outputs = []  # what the solution printed
            cell.execution_count = None
            cell.metadata.get("jupyter", {}).pop("source_hidden", None)
        elif cell.cell_type == "code" and stale_verdict and check_call(cell.source):
            cell.outputs = []  # the verdict on the removed solution, not on the stub the page shows
            cell.execution_count = None
            stale_verdict = False
        elif is_solution:
            removed_here = True
            continue  # a paragraph introducing or explaining a removed solution
        elif cell.cell_type == "markdown":
            reword(cell, name)
        if removed_here:
            notes.append((len(cells), last_code))
            removed_here = False
        if cell.cell_type == "code":
            last_code = cell
        cells.append(cell)
        alts = [output.get("metadata", {}).get("image/png", {}).get("alt") for output in cell.get("outputs", [])
                if "image/png" in output.get("data", {})]
        if len(alts) == 1 and alts[0]:
            # myst-nb reads an image's alt text from the cell's metadata, not the output's
            cell.metadata.setdefault("mystnb", {}).setdefault("image", {})["alt"] = alts[0]
        widgets = 0
        for output in cell.get("outputs", []):
            if WIDGET_VIEW in output.get("data", {}):
                del output["data"][WIDGET_VIEW]
                widgets += 1
        if widgets:
            note = nbformat.v4.new_markdown_cell(WIDGET_NOTE, metadata={"tags": [NOTE_TAG]})
            note.id = f"{cell.get('id', index)}-live"[:64]
            cells.append(note)
    if removed_here:
        notes.append((len(cells), last_code))
    for position, stub in reversed(notes):  # the student edition's note, where the solution was
        note = nbformat.v4.new_markdown_cell(note_text(stub, cells[position:]),
                                             metadata={"tags": [STUDENT_NOTE_TAG]})
        note["id"] = note_id(cells[position - 1] if position else None, taken)
        cells.insert(position, note)
    nb.cells = cells
    nb.metadata.pop("widgets", None)
    return nb


def download_copy(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A site copy as a page offers it for download: without the notes the website added for its readers."""
    nb = nbformat.from_dict(nb)
    nb.cells = [cell for cell in nb.cells if NOTE_TAG not in cell.metadata.get("tags", [])]
    for cell in nb.cells:
        cell.metadata.pop("mystnb", None)
    return nb


def repository_url(repo: str | None, remote: str = "origin", root: Path = ROOT) -> tuple[str, str | None]:
    """The repository the Binder buttons launch, and a warning when it is only a placeholder."""
    if repo:
        url = f"https://github.com/{repo.strip().strip('/')}"
        launch_path(url)  # RemoteError if it is not OWNER/REPO
        return url, None
    try:
        found = remote_url(remote, root)
        path = launch_path(found)
    except RemoteError as error:
        return PLACEHOLDER, f"the Binder buttons launch {PLACEHOLDER}, a placeholder: {error}"
    kind, rest = path.split("/", 1)
    rest = unquote(rest.rsplit("/HEAD", 1)[0])
    # The theme reads HOST/OWNER/REPO from GitHub, GitLab or Bitbucket URLs only, and makes Binder links
    # for GitHub and GitLab; a GitLab subgroup or another git host would get a wrong link, so it is refused.
    if kind in ("gh", "gl") and rest.count("/") == 1:
        return f"https://{'github.com' if kind == 'gh' else 'gitlab.com'}/{rest}", None
    return PLACEHOLDER, (
        f"the Binder buttons launch {PLACEHOLDER}, a placeholder: the website links GitHub and GitLab "
        f"repositories named OWNER/REPO, not {found}; pass --repo OWNER/REPO (a GitHub repository)"
    )


def contents(notebooks: list[Path]) -> str:
    """The home page's tables of contents: the course, then "Going further", as README.md's syllabus.

    One toctree per part, each with its caption: the sidebar and the home page show the
    two parts under their headings, and the PDF's outline has an entry for each.
    """
    parts = [
        (COURSE_CAPTION, [path for path in notebooks if int(path.name[:2]) < GOING_FURTHER_FROM]),
        (FURTHER_CAPTION, [path for path in notebooks if int(path.name[:2]) >= GOING_FURTHER_FROM]),
    ]
    blocks = []
    for caption, paths in parts:
        if paths:
            entries = "\n".join(f"notebooks/{path.stem}" for path in paths)
            blocks.append(f"```{{toctree}}\n:caption: {caption}\n:maxdepth: 1\n\n{entries}\n```\n")
    return "\n".join(blocks)


def stage(source: Path, notebooks: list[Path], pdf: bool = True) -> list[Path]:
    """Write the home page and every notebook's site copy under ``source``; every notebook is checked first."""
    copies = []
    for path in notebooks:
        try:
            copies.append((path.name, site_copy(nbformat.read(path, as_version=4), path.name)))
        except MarkerError as error:
            raise SiteError(str(error)) from error
        except (OSError, ValueError) as error:
            raise SiteError(f"cannot read {path}: {error}") from error
    if source.exists():
        shutil.rmtree(source)
    (source / "notebooks").mkdir(parents=True)
    home = (SITE / "index.md").read_text(encoding="utf-8")
    home = home.replace(PDF_MARKER, PDF_LINK if pdf else "").replace(TOC_MARKER, contents(notebooks))
    (source / "index.md").write_text(home, encoding="utf-8")
    written = []
    for name, nb in copies:
        nbformat.write(nb, source / "notebooks" / name)
        written.append(source / "notebooks" / name)
    return written


def output_folder(out: Path, builder: str) -> Path:
    """Where ``builder`` writes: the website in OUT/html, the one-page course in OUT/pdf/singlehtml.

    myst-nb writes a page's figures beside the output folder (its parent's
    ``jupyter_execute/``), so two builds running at once must not share a parent.
    """
    return out / "html" if builder == "html" else out / "pdf" / builder


def sphinx(builders: list[str], source: Path, out: Path, repository: str) -> None:
    """Run sphinx-build once per builder, side by side; warnings are errors (a broken link fails the build).

    The builders run at the same time, each in its own process with its own
    doctrees: a build spends most of its time in one Python process, so on two
    cores two builds take about as long as one.
    """
    env = dict(os.environ, SITE_REPOSITORY_URL=repository)
    running = []
    for builder in builders:
        target = output_folder(out, builder)
        if target.exists():
            shutil.rmtree(target)
        command = [
            sys.executable, "-m", "sphinx", "-b", builder, "-c", str(SITE), "-W", "--keep-going", "-q",
            "-d", str(out / "doctrees" / builder), str(source), str(target),
        ]
        running.append((builder, subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )))
    failures = []
    try:
        for builder, process in running:
            try:
                output, _ = process.communicate(timeout=SPHINX_TIMEOUT)
            except subprocess.TimeoutExpired:
                failures.append(f"sphinx-build -b {builder} took more than {SPHINX_TIMEOUT} s")
                continue
            if process.returncode != 0:
                failures.append(f"sphinx-build -b {builder} failed:\n{output}".rstrip())
    finally:
        for _, process in running:  # on every path: no build is left running
            if process.poll() is None:
                process.kill()
                process.communicate()
    if failures:
        raise SiteError("\n".join(failures))


def build(out: Path, repository: str, pdf: bool = True, notebooks: list[Path] | None = None) -> dict[str, Path]:
    """Build the website (and the PDF) into ``out``; returns where each part is."""
    notebooks = notebooks or sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))
    if not notebooks:
        raise SiteError(f"no notebooks NN-name.ipynb in {NOTEBOOKS}")
    out.mkdir(parents=True, exist_ok=True)
    source = out / "source"
    stage(source, notebooks, pdf)
    sphinx(["html", "singlehtml"] if pdf else ["html"], source, out, repository)
    built = {"html": out / "html" / "index.html"}
    downloads = out / "html" / "_sources" / "notebooks"  # where the pages' download buttons point
    for path in sorted((source / "notebooks").glob("*.ipynb")):
        nbformat.write(download_copy(nbformat.read(path, as_version=4)), downloads / path.name)
    if pdf:
        built["pdf"] = out / PDF_NAME
        print_pdf(output_folder(out, "singlehtml") / "index.html", built["pdf"])
        shutil.copy2(built["pdf"], out / "html" / PDF_NAME)  # the home page links it
    return built


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: build/site)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--repo", help="the GitHub repository the Binder buttons launch, OWNER/REPO")
    source.add_argument("--remote", default="origin", help="the git remote to read instead (default: origin)")
    parser.add_argument("--no-pdf", action="store_true", help="build the website only")
    args = parser.parse_args(argv)
    try:
        repository, warning = repository_url(args.repo, args.remote)
        if warning:
            print(f"build_site: {warning}", file=sys.stderr)
        built = build(args.out.resolve(), repository, pdf=not args.no_pdf)
    except (SiteError, RemoteError, OSError) as error:
        print(f"build_site: {error}", file=sys.stderr)
        return 1
    for part, path in built.items():
        print(f"{part}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

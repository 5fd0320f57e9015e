"""Print the one-page course to a PDF with Chromium, and mend the PDF's outline (for tools/build_site.py).

Why Chromium: it is the browser the kit's browser tests already drive, so the
PDF needs no TeX. Playwright drives it; the page is Sphinx's ``singlehtml`` build
of the course, with the print styles of ``site/_static/course.css``.

Why the outline is mended: Chromium names each outline entry after its
heading's lines as printed, joined without the space where the heading wraps
("Network Sockets: a Jupytercourse kit"), and for some headings with the first
line twice ("SyllabusSyllabus"). ``mend_outline`` gives each entry its heading's
words back, read from the page before it is printed.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

#: Chromium's flags, here and in tests/test_browser.py: no sandbox (CI runs as root), nothing fetched.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
#: Time for Chromium to lay out and print the whole course (a few seconds here).
PDF_TIMEOUT_MS = 120_000


class SiteError(RuntimeError):
    """The site cannot be built; the message says why and what to do."""


def chromium_candidate() -> str:
    """Where the kit looks for a browser: SOCKUTIL_CHROMIUM, else Debian's Chromium (tests/test_browser.py too)."""
    return os.environ.get("SOCKUTIL_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


def chromium() -> str:
    """Debian's Chromium, or the browser SOCKUTIL_CHROMIUM names; a clear error if there is none."""
    candidate = chromium_candidate()
    if not Path(candidate).exists():
        raise SiteError(
            "the PDF is printed by Chromium: on Debian or Ubuntu `sudo apt-get install chromium`, "
            "or set SOCKUTIL_CHROMIUM to a Chromium or Chrome executable (or pass --no-pdf)"
        )
    return candidate


#: Every heading's text, as the reader sees it (without the "#" link to it), in document order.
HEADINGS_JS = """() => Array.from(document.querySelectorAll('h1, h2, h3, h4, h5, h6, [role="heading"]'), h => {
    const copy = h.cloneNode(true);
    copy.querySelectorAll('.headerlink').forEach(link => link.remove());
    return copy.textContent;
})"""


def _squeezed(text: str) -> str:
    return "".join(text.split())


def mended_title(title: str, heading: str) -> str | None:
    """``heading``'s text if ``title`` is Chromium's outline title for it, else None.

    Chromium builds an outline entry from the heading's lines as printed: it joins
    them without the space at the wrap ("a Jupyter" / "course kit" becomes "a
    Jupytercourse kit") and, for some headings, repeats the first line ("Syllabus"
    becomes "SyllabusSyllabus"). Without the spaces, the title is therefore the
    heading, with perhaps a start of it before.
    """
    have, want = _squeezed(title), _squeezed(heading)
    if not want or not have.endswith(want) or not want.startswith(have[: len(have) - len(want)]):
        return None
    return " ".join(heading.split())


def mend_outline(pdf: Path, headings: list[str]) -> int:
    """Give the PDF's outline entries their headings' words back (see ``mended_title``); how many changed.

    The entries and the headings are both in document order; an entry that
    matches no heading ahead keeps Chromium's title.
    """
    from pypdf import PdfWriter
    from pypdf.generic import NameObject, TextStringObject

    log = logging.getLogger("pypdf")
    level = log.level
    log.setLevel(logging.ERROR)  # Chromium's trailer under-counts its objects: pypdf says so, and reads it right
    try:
        writer = PdfWriter(clone_from=str(pdf))
    finally:
        log.setLevel(level)
    outlines = writer.root_object.get("/Outlines")
    entries = []

    def walk(item):
        while item is not None:
            item = item.get_object()
            entries.append(item)
            walk(item.get("/First"))
            item = item.get("/Next")

    if outlines is not None:
        walk(outlines.get_object().get("/First"))
    changed, ahead = 0, 0
    for entry in entries:
        title = str(entry.get("/Title", ""))
        for index in range(ahead, len(headings)):
            mended = mended_title(title, headings[index])
            if mended is not None:
                ahead = index + 1
                if mended != title:
                    entry[NameObject("/Title")] = TextStringObject(mended)
                    changed += 1
                break
    if changed:
        with open(pdf, "wb") as file:
            writer.write(file)
    return changed


def print_pdf(page_html: Path, pdf: Path) -> None:
    """Print the one-page course to ``pdf`` with Chromium: A4, backgrounds, and an outline of the headings."""
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        raise SiteError("playwright is not installed: pip install -r requirements.txt") from error
    executable = chromium()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.set_default_timeout(PDF_TIMEOUT_MS)
                page.goto(page_html.as_uri(), wait_until="load", timeout=PDF_TIMEOUT_MS)
                page.emulate_media(media="print")
                headings = page.evaluate(HEADINGS_JS)
                page.pdf(
                    path=str(pdf), format="A4", print_background=True, outline=True, tagged=True,
                    margin={"top": "15mm", "bottom": "15mm", "left": "14mm", "right": "14mm"},
                )
            finally:
                browser.close()
    except PlaywrightError as error:
        raise SiteError(f"Chromium could not print the PDF: {error}") from error
    mend_outline(pdf, headings)

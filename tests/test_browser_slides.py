"""Presenting a notebook in the real JupyterLab: RISE's slides show the questions, then each slide in order.

An instructor opens a notebook and clicks RISE's toolbar button ("Render
the current notebook as Reveal Slideshow", Alt+R), which saves the notebook
and shows it as reveal.js slides in a panel beside it, then the panel's full
screen button. This test does the same in Chromium, in the JupyterLab that tests/test_browser.py starts (its
fixtures and helpers are imported, not copied): the first slide must show
the notebook's questions; then it advances with the space bar, as a
presenter's clicker does, and each slide must show the cell that
tools/slides.py made its first (a section's heading, a key demo's code).
It takes a screenshot (``tests/screenshots/slides-*.png``), closes the
slides and checks that the notebook is still open and nothing was left.

Without Chromium the test skips and says how to install it (under CI a
missing browser is a failure, as for the other browser tests). Every wait
has its own bound, and the test as a whole has a timeout.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from tests.test_browser import NOTEBOOKS, SCREENSHOTS, browser, lab  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser

#: The notebook presented: the core lesson, with sections, demos, a figure and live panels.
NOTEBOOK = "02-client-and-server.ipynb"
#: How many times the presenter advances: across the first sections and down into their demos,
#: ending on a demo (its code and output are in the screenshot).
ADVANCES = 9
#: Seconds for JupyterLab to open the notebook, and for RISE to render the slides (its own app, in an iframe).
OPEN_TIMEOUT = 90
#: Seconds for one slide change to show (reveal.js animates; a loaded machine is slow).
SLIDE_TIMEOUT = 20

#: The slide on show: reveal.js marks it "present" (a vertical slide sits inside its stack, also present).
PRESENT = r"""() => {
    const stack = document.querySelector('.reveal .slides > section.present');
    if (!stack) return null;
    const slide = stack.querySelector('section.present') || stack;
    return {text: slide.innerText, hash: location.hash};
}"""


def shown_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """The cells that begin a slide (slide or subslide), in the order the presenter meets them."""
    return [cell for cell in nb.cells
            if cell.metadata.get("slideshow", {}).get("slide_type") in ("slide", "subslide")]


def landmarks(cell: nbformat.NotebookNode) -> list[str]:
    """Text the slide of ``cell`` must show: its last heading (markdown); or its first line of code
    and the first line it printed (a demo shows its saved output)."""
    if cell.cell_type == "markdown":
        headings = re.findall(r"^#{1,3} (.+)$", cell.source, flags=re.M)
        text = headings[-1] if headings else cell.source.strip().splitlines()[0]
        return [normalize(re.sub(r"[`*]", "", text))]
    printed = [line for output in cell.outputs if output.output_type == "stream"
               for line in output.text.splitlines() if line.strip()]
    return [normalize(cell.source.strip().splitlines()[0])] + [normalize(line) for line in printed[:1]]


def normalize(text: str) -> str:
    """Spaces collapsed and lower case: reveal's theme shows headings in capitals (CSS), and innerText says so."""
    return " ".join(text.split()).lower()


def questions_of(nb: nbformat.NotebookNode) -> list[str]:
    title = next(cell for cell in nb.cells if re.search(r"^## Questions$", cell.source, flags=re.M))
    block = title.source.split("## Questions", 1)[1].split("\n## ", 1)[0]
    return [re.sub(r"[`*]", "", line[2:]).strip() for line in block.splitlines() if line.startswith("- ")]


@pytest.mark.timeout(300)
def test_a_notebook_is_presented_as_slides_and_advances(lab, browser):  # noqa: F811 - pytest fixtures
    url, token, root = lab
    nb = nbformat.read(NOTEBOOKS / NOTEBOOK, as_version=4)
    slides = shown_cells(nb)
    assert len(slides) > ADVANCES, "the notebook has too few slides for this test"
    questions = questions_of(nb)
    assert questions, "the notebook has no questions"
    SCREENSHOTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []  # RISE's own app reports errors of other extensions it loads: listed, not hidden
    page.on("pageerror", lambda error: errors.append(str(error).splitlines()[0][:160]))
    page.on("console", lambda message: errors.append(message.text.splitlines()[0][:160])
            if message.type == "error" else None)
    try:
        page.goto(f"{url}/lab/workspaces/slides/tree/{NOTEBOOK}?reset&token={token}", wait_until="domcontentloaded")
        notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
        notebook.locator(".jp-Cell").first.wait_for(timeout=OPEN_TIMEOUT * 1000)
        present_button = notebook.locator(".jp-Toolbar [data-command='RISE:preview']")
        present_button.click(timeout=OPEN_TIMEOUT * 1000)

        iframe = page.locator(f"iframe[src*='/rise/{NOTEBOOK}']")
        iframe.wait_for(timeout=OPEN_TIMEOUT * 1000)
        frame = iframe.element_handle(timeout=OPEN_TIMEOUT * 1000).content_frame()
        assert frame is not None, "the slides' iframe has no document"
        frame.locator(".reveal .slides > section.present").first.wait_for(timeout=OPEN_TIMEOUT * 1000)

        # Full screen, as on a projector: the preview panel's own button.
        preview = page.locator(".lm-Widget.lm-DockPanel-widget", has=iframe)
        preview.locator(".jp-Toolbar [data-jp-item-name='fullscreen'] jp-button").click(timeout=SLIDE_TIMEOUT * 1000)
        page.wait_for_function("() => document.fullscreenElement !== null && document.fullscreenElement.tagName === 'IFRAME'",
                               timeout=SLIDE_TIMEOUT * 1000)

        # The presenter clicks into the slides (a blank corner), so the keys go to them.
        frame.locator(".reveal").first.click(position={"x": 5, "y": 5}, timeout=SLIDE_TIMEOUT * 1000)

        # The prose is in the speaker notes, one per notes cell; every solution cell is hidden (not displayed).
        notes = sum(cell.metadata.slideshow.slide_type == "notes" for cell in nb.cells)
        assert frame.locator(".reveal .slides aside.notes").count() == notes
        assert "BEGIN SOLUTION" in "".join(cell.source for cell in nb.cells)  # there are solutions to hide
        solutions = frame.evaluate("""() => [...document.querySelectorAll('.reveal .slides .jp-Cell')]
            .filter(cell => cell.textContent.includes('BEGIN SOLUTION'))
            .map(cell => getComputedStyle(cell).display)""")
        assert solutions == ["none"] * sum("BEGIN SOLUTION" in cell.source for cell in nb.cells), solutions

        first = frame.evaluate(PRESENT)
        text = normalize(first["text"])
        assert "questions" in text, f"the first slide shows no questions:\n{first['text'][:500]}"
        for question in questions:
            assert normalize(question) in text, f"question not on the first slide: {question!r}"
        assert all(mark in text for mark in landmarks(slides[0]))

        seen = [first["hash"]]
        for number in range(1, ADVANCES + 1):
            page.keyboard.press("Space")
            expected = landmarks(slides[number])
            try:
                frame.wait_for_function(
                    """([before, expected]) => {
                        const stack = document.querySelector('.reveal .slides > section.present');
                        const slide = stack && (stack.querySelector('section.present') || stack);
                        if (location.hash === before || slide === null) return false;
                        const text = slide.innerText.split(/\\s+/).join(' ').toLowerCase();
                        return expected.every(mark => text.includes(mark));
                    }""", arg=[seen[-1], expected], timeout=SLIDE_TIMEOUT * 1000)
            except Exception as error:  # noqa: BLE001 - say what the slide showed instead
                shown = frame.evaluate(PRESENT) or {"text": "(no slide)", "hash": ""}
                page.screenshot(path=str(SCREENSHOTS / f"failed-slides-{Path(NOTEBOOK).stem}.png"))
                raise AssertionError(f"slide {number + 1} ({shown['hash']}) should show {expected!r}; "
                                     f"it shows:\n{shown['text'][:500]}") from error
            seen.append(frame.evaluate("() => location.hash"))
        assert len(set(seen)) == len(seen) == ADVANCES + 1, seen
        kinds = [cell.metadata.slideshow.slide_type for cell in slides[: ADVANCES + 1]]
        assert "subslide" in kinds and kinds.count("slide") > 1  # went both across and down
        assert slides[ADVANCES].cell_type == "code" and slides[ADVANCES].outputs  # the screenshot shows a demo
        iframe.screenshot(path=str(SCREENSHOTS / f"slides-{Path(NOTEBOOK).stem}.png"))

        # Leave: out of full screen (what the browser does on Esc), then close the slides' panel;
        # the notebook stays open and unharmed, and no dialog is left.
        page.evaluate("() => document.exitFullscreen()")
        page.wait_for_function("() => document.fullscreenElement === null", timeout=SLIDE_TIMEOUT * 1000)
        widget_id = preview.get_attribute("id", timeout=SLIDE_TIMEOUT * 1000)
        page.locator(f".lm-TabBar-tab[data-id='{widget_id}'] .lm-TabBar-tabCloseIcon").click()
        iframe.wait_for(state="detached", timeout=SLIDE_TIMEOUT * 1000)
        assert page.locator(".jp-Dialog").count() == 0
        assert notebook.locator(".jp-Cell").count() == len(nb.cells)
    finally:
        page.close()
    saved = nbformat.read(root / "notebooks" / NOTEBOOK, as_version=4)  # RISE saved the scratch copy
    assert [c.source for c in saved.cells] == [c.source for c in nb.cells]
    assert [c.metadata.get("slideshow") for c in saved.cells] == [c.metadata.get("slideshow") for c in nb.cells]
    if errors:
        print(f"browser errors while presenting ({len(errors)}):\n" + "\n".join(sorted(set(errors))))

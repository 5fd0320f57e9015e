"""The course website in a real browser: notebook 00's page and a page with figures, as a student sees them.

The website is built (``tools/build_site.py``, without the PDF, which
tests/test_site.py checks) into a scratch folder and served over HTTP on a
loopback port, as a web host serves it. Debian's Chromium, driven by
Playwright as in tests/test_browser.py, opens notebook 00's page on a laptop's
screen and a phone's, follows its "next" link, and opens notebook 06, whose
figures must all have loaded. Any request that would leave the machine is
refused and counted: the pages must need nothing from the internet. axe-core
(from axe-playwright-python, as in tests/test_browser.py) audits both pages for
WCAG 2.1 AA: a serious or critical violation fails, whether the notebook's
content or the theme causes it, since both are what the student reads. The
screenshots go to ``tests/screenshots/site-*.png``.
"""

from __future__ import annotations

import functools
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.test_browser import FAILING_IMPACTS, SCREENSHOTS, axe_runner, browser  # noqa: F401  (browser: a fixture)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import build_site  # noqa: E402

sys.path.remove(str(ROOT / "tools"))

pytestmark = pytest.mark.browser

#: The repository named by the test's Binder buttons.
REPO = "example-school/sockets-course"
#: A page with figures: notebook 06 draws its chunks and frames.
FIGURES_PAGE = "06-byte-streams"
#: Screens: a laptop's, and a phone's (the issue: "read a lesson on a phone").
LAPTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


class QuietHandler(SimpleHTTPRequestHandler):
    """A static file server that keeps its log to itself (a test's output is the test's)."""

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The website, built and served on 127.0.0.1; yields its base URL."""
    out = tmp_path_factory.mktemp("site")
    try:
        build_site.build(out, f"https://github.com/{REPO}", pdf=False)
    except build_site.SiteError as error:
        pytest.fail(str(error))
    handler = functools.partial(QuietHandler, directory=str(out / "html"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="test-site-http", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def page(browser, site):  # noqa: F811 (browser is test_browser's fixture)
    """A fresh page whose requests to anywhere but the test's server are refused and recorded."""
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    page.outside = []

    def route(request_route):
        if request_route.request.url.startswith(site):
            request_route.continue_()
        else:
            page.outside.append(request_route.request.url)
            request_route.abort()

    page.route("**/*", route)
    try:
        yield page
    finally:
        context.close()


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical findings on the page, one line each."""
    results = axe_runner().run(page, options={"resultTypes": ["violations"]}).response
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} [{node['target']}] {node['html'][:200]}"
        for violation in results["violations"] if violation["impact"] in FAILING_IMPACTS
        for node in violation["nodes"]
    ]


def test_notebook_00_reads_on_a_laptop_and_a_phone_and_leads_to_01(page, site):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{site}/notebooks/00-start-here.html", wait_until="load")
    assert page.locator("main h1").first.inner_text().strip().startswith("00 Start here")
    launch = page.locator("a[href^='https://mybinder.org/']")
    assert launch.count() == 1
    assert launch.get_attribute("href") == (
        f"https://mybinder.org/v2/gh/{REPO}/HEAD?urlpath=lab/tree/notebooks/00-start-here.ipynb"
    )
    assert page.locator("a[href$='_sources/notebooks/00-start-here.ipynb']").count() == 1
    page.screenshot(path=str(SCREENSHOTS / "site-00-start-here.png"))
    assert serious_violations(page) == []
    page.set_viewport_size(PHONE)
    page.reload(wait_until="load")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide on a {PHONE['width']} px phone"
    page.screenshot(path=str(SCREENSHOTS / "site-00-start-here-phone.png"))
    page.set_viewport_size(LAPTOP)
    page.locator("a.right-next").click()
    page.wait_for_url("**/notebooks/01-message-passing.html")
    assert page.locator("main h1").first.inner_text().strip().startswith("01 Message passing")
    assert page.outside == [], f"the pages asked the internet for {page.outside}"


def test_a_page_with_figures_shows_them_all(page, site):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{site}/notebooks/{FIGURES_PAGE}.html", wait_until="load")
    figures = page.locator(".cell_output img")
    assert figures.count() >= 2
    figures.first.scroll_into_view_if_needed()
    sizes = page.eval_on_selector_all(
        ".cell_output img", "imgs => imgs.map(img => [img.complete, img.naturalWidth, img.alt])",
    )
    assert all(complete and width > 0 for complete, width, _ in sizes), sizes
    assert not [alt for _, _, alt in sizes if not alt or alt.endswith(".png")], "every figure has its alt text"
    page.screenshot(path=str(SCREENSHOTS / f"site-{FIGURES_PAGE}.png"))
    assert serious_violations(page) == []
    note = page.get_by_text("It comes alive in JupyterLab").first
    note.scroll_into_view_if_needed()
    assert note.is_visible()
    page.screenshot(path=str(SCREENSHOTS / f"site-{FIGURES_PAGE}-panel.png"))
    assert page.outside == [], f"the pages asked the internet for {page.outside}"

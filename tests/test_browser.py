"""A real JupyterLab in a real browser: every notebook with live panels runs and its panels work.

This test starts JupyterLab itself (on a loopback port the OS picks, with a
token), drives Debian's Chromium through Playwright, opens each notebook that
has panels on a scratch copy (so autosave cannot touch the committed files),
runs all cells from the Run menu, and checks that no widget shows "Error
displaying widget". In notebooks with a server panel and a client console it
starts the echo server, connects, sends ``hello``, sees it come back, and
stops the server. Screenshots go to ``tests/screenshots/``.

JupyterLab runs with Binder's settings (``binder/overrides.json``), so a
notebook saved from it records when each code cell ran: the times
``instructors/student_times.py`` reads are checked in the real format.

A lesson's web server is opened in the same browser by the link the
notebook prints (``sockutil.links.browser_link``): the local link
``http://127.0.0.1:PORT/``, and the link a JupyterHub or Binder user gets,
``{JUPYTERHUB_SERVICE_PREFIX}proxy/PORT/``, through jupyter-server-proxy in
this JupyterLab. For that, JupyterLab is served under a hub-like prefix
(``/user/student/``), as a hub serves each student's server.

Then it audits the page for accessibility (WCAG 2.1 AA) with axe-core, run
from the JavaScript that axe-playwright-python ships (no network). Every
violation is sorted by where its element is: the kit's own content (cell
outputs, where the panels and figures are, and rendered markdown) or
JupyterLab itself (toolbars, editors, prompts). A serious or critical
violation in the kit's content fails the test. JupyterLab's violations, and
the kit's minor ones, are listed in ``tests/screenshots/accessibility.txt``
(and printed), so they are told apart and seen, not hidden. One kind is
JupyterLab's although it shows in a cell output: JupyterLab 4's image
renderer never sets an ``alt`` on a PNG output (it ignores the ``alt``
metadata the kit's figures carry), so ``image-alt`` on such an ``<img>`` is
listed as JupyterLab's; the kit gives each figure its text equivalent in the
cells beside it instead (``tests/test_plots_access.py`` checks they are there).

No browser is downloaded (``playwright install`` cannot run here): Chromium
comes from the OS. Without it the test skips and says how to install it;
under CI (``CI=true``) a missing browser is a failure.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from tests.tool_loading import load_script

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
from build_site import CHROMIUM_ARGS, chromium_candidate  # noqa: E402  (one browser lookup for the kit)

sys.path.remove(str(Path(__file__).resolve().parent.parent / "tools"))

ROOT = Path(__file__).resolve().parent.parent
#: The notebooks to open; another folder can be tried with SOCKUTIL_NOTEBOOKS.
NOTEBOOKS = Path(os.environ.get("SOCKUTIL_NOTEBOOKS", ROOT / "notebooks"))
SCREENSHOTS = ROOT / "tests" / "screenshots"
#: JupyterLab's base URL here: a path like the one JupyterHub gives a student's server (JUPYTERHUB_SERVICE_PREFIX).
HUB_PREFIX = "/user/student/"
#: Where the kit's content is on JupyterLab's page: cell outputs (panels, figures, printed text) and the
#: rendered text of markdown cells. Everything else (menus, toolbars, editors, prompts) is JupyterLab's.
KIT_CONTENT = ".jp-OutputArea-output, .jp-MarkdownCell .jp-RenderedMarkdown"
#: axe impacts that fail the test when the kit's content causes them.
FAILING_IMPACTS = ("serious", "critical")
#: A violation inside the kit's content that JupyterLab causes: (axe rule, CSS selector of the element, why).
JUPYTERLAB_IN_OUTPUTS = (
    ("image-alt", ".jp-RenderedImage[data-mime-type='image/png'] > img",
     "JupyterLab's image renderer sets no alt on a PNG output (it ignores the output's alt metadata); "
     "the kit prints each figure's text equivalent in the cells beside it"),
)
PANEL_CLASSES = ("ServerPanel(", "ClientConsole(", "StreamLab(", "ManyClients(")
INSTALL_HINT = (
    "Chromium is needed for the real-browser test: on Debian or Ubuntu run "
    "`sudo apt-get install chromium` (the test uses /usr/bin/chromium, or set "
    "SOCKUTIL_CHROMIUM to another Chromium or Chrome executable)"
)

pytestmark = pytest.mark.browser


#: Seconds JupyterLab may take to start: a bound against a hang, not a speed target (a loaded
#: 2-core machine took over a minute to start it).
LAB_START_TIMEOUT = 180


def panel_notebooks() -> list[Path]:
    """Notebooks whose code creates a panel."""
    found = []
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        source = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        if any(name in source for name in PANEL_CLASSES):
            found.append(path)
    return found


def chromium_path() -> str:
    candidate = chromium_candidate()
    if not Path(candidate).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"no browser under CI. {INSTALL_HINT}")
        pytest.skip(INSTALL_HINT)
    return candidate


def write_lab_settings(settings: Path) -> None:
    """Binder's defaults (``binder/overrides.json``: no news, cell timings recorded), and every cell rendered.

    Without virtual scrolling (``windowingMode``) the page holds every cell, for
    the checks and the audit below.
    """
    overrides = json.loads((ROOT / "binder" / "overrides.json").read_text(encoding="utf-8"))
    overrides.setdefault("@jupyterlab/notebook-extension:tracker", {})["windowingMode"] = "none"
    for plugin, values in overrides.items():
        package, name = plugin.split(":")
        path = settings / package / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a scratch copy of the notebooks, under HUB_PREFIX; yields (base URL, token, root).

    The base URL ends with the prefix, without its final slash: ``http://127.0.0.1:PORT/user/student``.
    """
    chromium_path()  # skip (or fail under CI) before starting anything
    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(NOTEBOOKS, root / "notebooks")
    settings, workspaces = root / "settings", root / "workspaces"
    write_lab_settings(settings)
    token = secrets.token_hex(16)
    env = dict(
        os.environ,
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(workspaces),
        NO_PROXY="127.0.0.1,localhost",
    )
    command = [
        sys.executable, "-m", "jupyter", "lab", "--no-browser",
        "--ServerApp.ip=127.0.0.1", "--ServerApp.port=0", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root / 'notebooks'}",
        f"--ServerApp.base_url={HUB_PREFIX}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    log = (root / "lab.log").open("w+")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        url = None
        deadline = time.monotonic() + LAB_START_TIMEOUT
        while time.monotonic() < deadline and url is None:
            if process.poll() is not None:
                break
            time.sleep(0.2)
            text = (root / "lab.log").read_text()
            match = re.search(r"http://127\.0\.0\.1:(\d+)" + re.escape(HUB_PREFIX) + "lab", text)
            if match:
                url = f"http://127.0.0.1:{match.group(1)}{HUB_PREFIX.rstrip('/')}"
        if url is None:
            pytest.fail(f"JupyterLab did not start within {LAB_START_TIMEOUT} s:\n" + (root / "lab.log").read_text()[-3000:])
        yield url, token, root
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        log.close()


@pytest.fixture(scope="module")
def browser():
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("playwright is not installed; pip install -r requirements.txt")
        pytest.skip("playwright is not installed; pip install -r requirements.txt")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


def axe_runner():
    """axe-core's runner, with the axe JS from the installed package (nothing is fetched)."""
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("axe-playwright-python is not installed; pip install -r requirements.txt")
        pytest.skip("axe-playwright-python is not installed; pip install -r requirements.txt")
    return Axe()


#: Where each violating element is, from its axe target: "kit" (inside the kit's content),
#: "jupyterlab" (outside it), or the index of the entry of JUPYTERLAB_IN_OUTPUTS it matches.
LOCATE = r"""([targets, kit, exceptions]) => targets.map(target => {
    // A target lists one selector per shadow root on the way; the first one is in the page itself.
    const element = document.querySelector(Array.isArray(target) ? target[0] : target);
    if (element === null) return "gone";
    if (element.closest(kit) === null) return "jupyterlab";
    const index = exceptions.findIndex(selector => selector !== null && element.matches(selector));
    return index >= 0 ? index : "kit";
})"""


def audit(page, axe, name: str) -> tuple[list[str], list[tuple[str, ...]]]:
    """Run axe on the page; return (the kit's serious or critical violations, every finding).

    A finding is (notebook, owner, impact, rule, help, why, target): owner is
    "kit" or "jupyterlab", ``why`` says why a finding inside an output is JupyterLab's.
    """
    results = axe.run(page, options={"resultTypes": ["violations"]}).response
    failures, findings = [], []
    for violation in results["violations"]:
        rule, impact = violation["id"], violation["impact"]
        exceptions = [selector if rule == their_rule else None for their_rule, selector, _ in JUPYTERLAB_IN_OUTPUTS]
        places = page.evaluate(LOCATE, [[node["target"] for node in violation["nodes"]], KIT_CONTENT, exceptions])
        for node, where in zip(violation["nodes"], places):
            owner = "kit" if where == "kit" else "jupyterlab"
            why = JUPYTERLAB_IN_OUTPUTS[where][2] if isinstance(where, int) else ""
            target = " > ".join(map(str, node["target"]))
            findings.append((name, owner, impact, rule, violation["help"], why, target))
            if owner == "kit" and impact in FAILING_IMPACTS:
                failures.append(f"{name}: {rule} ({impact}): {violation['help']} [{target}]\n"
                                f"    {node['html'][:300]}\n    {node.get('failureSummary', '')}")
    return failures, findings


def open_and_run_all(page, url: str, token: str, name: str, workspace: str) -> None:
    """Open a notebook in a fresh workspace, clear its saved outputs, and run every cell."""
    page.goto(f"{url}/lab/workspaces/{workspace}/tree/{name}?reset&token={token}",
              wait_until="domcontentloaded")
    notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    notebook.locator(".jp-Cell").first.wait_for(timeout=60_000)
    # JupyterLab may ask which kernel to start (for example while kernels start slowly).
    try:
        page.locator(".jp-Dialog button", has_text=re.compile(r"^Select$")).click(timeout=3_000)
    except Exception:  # noqa: BLE001 - no dialog: the notebook's own kernel is starting
        pass
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)
    # Clear the saved outputs first, so that what we wait for below can only come from this run.
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Edit$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Clear Outputs of All Cells$")).click()
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    wait_for_run_all(page, name)


#: What a "Run All" looks like from the page: done, idle, the first error shown, a kernel dialog.
RUN_STATE = r"""() => {
    const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
    if (!panel) return {done: false, idle: false, error: null, dialog: false};
    const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')];
    const done = prompts.length > 0 && prompts.every(p => /\[\d+\]/.test(p.textContent));
    const idle = document.querySelector(".jp-Notebook-ExecutionIndicator[data-status='idle']") !== null;
    const errors = [...panel.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')];
    const dialog = document.querySelector('.jp-Dialog') !== null;
    const ran = prompts.filter(p => /\[\d+\]/.test(p.textContent)).length;
    const waiting = prompts.find(p => !/\[\d+\]/.test(p.textContent));
    const cell = waiting ? waiting.closest('.jp-CodeCell') : null;
    const notRun = cell ? (cell.querySelector('.jp-InputArea-editor') || cell).textContent.slice(0, 200) : '';
    return {done, idle, errors: errors.map(e => e.textContent.slice(0, 1500)), dialog,
            ran, cells: prompts.length, notRun, notRunPrompt: waiting ? waiting.textContent : ''};
}"""

#: Seconds a notebook's Run All may take in the browser, on a loaded 2-core machine.
RUN_ALL_TIMEOUT = 180

#: Seconds of an idle kernel with cells still not run after which Run All has stopped
#: (between two cells the kernel is idle for milliseconds, not seconds).
STALLED = 15


def wait_for_run_all(page, name: str) -> None:
    """Wait until every code cell has run and the kernel is idle; fail at once, in words, on an error.

    Run All stops at a cell that raises (unless it is tagged raises-exception),
    leaving the cells after it without an execution number: waiting for them
    would only time out. So a kernel that stays idle with cells not run means
    Run All stopped, and the wait ends with the errors shown. A kernel dialog
    (JupyterLab may ask which kernel to start while kernels start slowly) is
    answered whenever it appears.
    """
    deadline = time.monotonic() + RUN_ALL_TIMEOUT
    state: dict = {}
    idle_since: float | None = None
    while time.monotonic() < deadline:
        state = page.evaluate(RUN_STATE)
        if state["done"] and state["idle"]:
            return
        idle_since = (idle_since or time.monotonic()) if state["idle"] else None
        if idle_since is not None and time.monotonic() - idle_since > STALLED:
            page.screenshot(path=str(SCREENSHOTS / f"failed-{Path(name).stem}.png"))
            raise AssertionError(f"{name}: Run All stopped before the last cell ({state['ran']} of "
                                 f"{state['cells']} code cells ran; the first not run, prompt "
                                 f"{state['notRunPrompt']!r}: {state['notRun']!r}); errors shown:\n"
                                 + "\n---\n".join(state["errors"]))
        if state["dialog"]:
            with contextlib.suppress(Exception):  # it may close by itself meanwhile
                page.locator(".jp-Dialog button", has_text=re.compile(r"^Select$")).click(timeout=2_000)
        page.wait_for_timeout(500)
    page.screenshot(path=str(SCREENSHOTS / f"failed-{Path(name).stem}.png"))
    raise AssertionError(f"{name}: Run All did not finish within {RUN_ALL_TIMEOUT} s (last state: {state})")


def exercise_server_and_console(page, prefix: str) -> None:
    notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    panel = notebook.locator(".sockutil-server-panel").first
    console = notebook.locator(".sockutil-client-console").first
    panel.scroll_into_view_if_needed()
    panel.locator("button", has_text="Start").click()
    panel.locator("span", has_text="listening on").wait_for(timeout=15_000)
    console.scroll_into_view_if_needed()
    console.locator("button", has_text="Connect").click()
    console.locator("span", has_text="connected to").wait_for(timeout=15_000)
    message = console.locator(".widget-text", has_text="message").locator("input")
    message.fill("hello")
    console.locator("button", has_text="Send").click()
    console.locator("pre", has_text=re.compile(r"recv → 6 bytes b'hello\\n'")).wait_for(timeout=15_000)
    panel.locator("pre", has_text="sent 6 bytes b'hello\\n'").wait_for(timeout=15_000)
    console.screenshot(path=str(SCREENSHOTS / f"{prefix}-client-console.png"))
    panel.screenshot(path=str(SCREENSHOTS / f"{prefix}-server-panel.png"))
    panel.locator("button", has_text="Stop").click()
    panel.locator(".widget-html", has_text=re.compile(r"^\s*stopped\s*$")).wait_for(timeout=15_000)


@pytest.mark.timeout(600)
def test_panels_work_in_a_real_jupyterlab(lab, browser):
    url, token, root = lab
    notebooks = panel_notebooks()
    assert notebooks, "no notebook has a panel"
    axe = axe_runner()
    SCREENSHOTS.mkdir(exist_ok=True)
    exercised = 0
    failures: list[str] = []
    findings: list[tuple[str, ...]] = []
    for index, path in enumerate(notebooks):
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            open_and_run_all(page, url, token, path.name, f"test{index}")
            page.screenshot(path=str(SCREENSHOTS / f"{path.stem}.png"))
            assert page.locator("text=Error displaying widget").count() == 0, path.name
            if page.locator(".sockutil-server-panel").count() and page.locator(".sockutil-client-console").count():
                exercise_server_and_console(page, path.stem)
                exercised += 1
            for selector, done in (
                (".sockutil-stream-lab", "the same bytes: True"),
                (".sockutil-many-clients", "last client done after"),
            ):
                if page.locator(selector).count():
                    box = page.locator(selector).first
                    box.scroll_into_view_if_needed()
                    box.locator("button", has_text="Run").click()
                    box.locator(".widget-html", has_text=done).wait_for(timeout=60_000)
                    box.screenshot(path=str(SCREENSHOTS / f"{path.stem}-{selector[10:]}.png"))
            # The audit comes after the panels were used: their figures and messages are showing.
            failed, found = audit(page, axe, path.name)
            failures += failed
            findings += found
        finally:
            page.close()
    summary = accessibility_summary(findings)
    (SCREENSHOTS / "accessibility.txt").write_text(summary)
    print(summary)
    assert exercised, "no notebook has both a server panel and a client console"
    assert not failures, "serious or critical accessibility violations in the kit's content:\n" + "\n".join(failures)


def test_jupyterlab_records_the_cell_timings_student_times_reads(lab, browser):
    """With Binder's settings, a notebook saved from JupyterLab holds a start time for every code cell.

    ``instructors/student_times.py`` reads those times from the notebooks students
    hand in: here they come from the real JupyterLab, in its own format. One Run
    All ran every cell within a minute or two, which is what the tool calls a
    notebook re-run from the top.
    """
    student_times = load_script(ROOT / "instructors" / "student_times.py", "student_times")
    url, token, root = lab
    name = "00-start-here.ipynb"
    saved = root / "notebooks" / name
    code_cells = sum(cell.cell_type == "code" for cell in nbformat.read(saved, as_version=4).cells)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        open_and_run_all(page, url, token, name, "timings")
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^File$")).click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Save Notebook$")).click()
        deadline = time.monotonic() + 30
        timeline = student_times.read_timeline(saved)
        while len(timeline.started) < code_cells and time.monotonic() < deadline:
            page.wait_for_timeout(500)   # the save reaches the file a moment after the click
            timeline = student_times.read_timeline(saved)
    finally:
        page.close()
    assert len(timeline.started) == code_cells, f"{len(timeline.started)} of {code_cells} code cells timed"
    assert timeline.rerun, "one Run All: every cell within RERUN_SECONDS"
    assert time.time() - 600 < min(timeline.started.values()) <= max(timeline.started.values()) <= time.time()


#: What the kit's ``http`` handler shows a browser that asked for ``/``.
PAGE_TEXT = "Hello from sockutil! You asked for /"


@pytest.mark.timeout(180)
def test_a_lesson_server_opens_by_its_link_locally_and_through_the_hubs_proxy(lab, browser):
    """The two links notebook 04 prints lead a real browser to the page: locally, and as on a hub.

    The hub's link is the one ``browser_link`` makes from ``JUPYTERHUB_SERVICE_PREFIX``: a path under
    JupyterLab's own address, which jupyter-server-proxy passes on to the port on this machine.
    """
    from sockutil.links import browser_link
    from sockutil.servers import Server

    url, token, _root = lab
    origin = url[: url.index("/", len("http://"))]  # the "hub's" address: scheme, host and port
    context = browser.new_context()
    try:
        page = context.new_page()
        with Server("http", name="browser-link-page") as server:
            local = browser_link(server.port, environ={})
            hub = browser_link(server.port, environ={"JUPYTERHUB_SERVICE_PREFIX": HUB_PREFIX})
            assert not local.via_proxy and hub.via_proxy and hub.is_path
            page.goto(local.url, wait_until="load")
            assert page.locator("p").inner_text(timeout=15_000) == PAGE_TEXT
            # Log in once (JupyterLab sets its cookie), so the proxy's URL carries no token to the page.
            page.goto(f"{url}/api/status?token={token}", wait_until="load")
            response = page.goto(origin + hub.url, wait_until="load")
            assert response is not None and response.status == 200, (origin + hub.url, response)
            assert page.url == origin + hub.url
            assert page.locator("p").inner_text(timeout=15_000) == PAGE_TEXT
            assert page.title() == "sockutil"
            server.wait_idle()
            requests = [event.data for event in server.events if event.kind == "received"]
        # Both requests for / reached our server (Chromium may also ask for /favicon.ico, or not).
        assert sum(data.startswith(b"GET / HTTP/1.1\r\n") for data in requests) == 2, requests
    finally:
        context.close()


def accessibility_summary(findings: list[tuple[str, ...]]) -> str:
    """The axe findings, the kit's first, then JupyterLab's: one line per notebook, rule and place,
    with how many elements and one of them."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for name, owner, impact, rule, help_text, why, target in findings:
        groups.setdefault((owner, name, impact, rule, help_text, why), []).append(target)
    lines = [f"axe-core audit (WCAG 2.1 AA and best practices) of {len({f[0] for f in findings})} notebooks "
             f"with panels: {sum(f[1] == 'kit' for f in findings)} elements in the kit's content, "
             f"{sum(f[1] == 'jupyterlab' for f in findings)} in JupyterLab itself"]
    for (owner, name, impact, rule, help_text, why), targets in sorted(groups.items()):
        lines.append(f"{owner:10} {name}: {impact:8} {rule}: {help_text}; {len(targets)} element(s), "
                     f"e.g. [{targets[0][-120:]}]" + (f"\n{'':11}why JupyterLab's: {why}" if why else ""))
    return "\n".join(lines) + "\n"


def test_the_audit_tells_the_kit_s_violations_from_jupyterlab_s(browser):
    """On a page shaped like JupyterLab's: a nameless input in an output fails, the same outside is
    JupyterLab's, and a PNG output's missing alt is JupyterLab's (its renderer), not the kit's."""
    axe = axe_runner()
    page = browser.new_page()
    try:
        page.set_content("""<!doctype html><html lang="en"><head><title>t</title></head><body><main><h1>t</h1>
            <div class="jp-Toolbar"><input type="text"></div>
            <div class="jp-OutputArea-output"><div class="widget-box"><input type="text"></div></div>
            <div class="jp-OutputArea-output"><div class="jp-RenderedImage" data-mime-type="image/png">
                <img src="data:image/png;base64,iVBORw0KGgo="></div></div>
            <div class="jp-OutputArea-output"><img src="data:image/png;base64,iVBORw0KGgo="></div>
            <div class="jp-MarkdownCell"><div class="jp-RenderedMarkdown"><p>fine</p></div></div>
            </main></body></html>""")
        failures, findings = audit(page, axe, "page")
    finally:
        page.close()
    owners = sorted((rule, owner, bool(why)) for _, owner, _, rule, _, why, _ in findings)
    assert owners == [("image-alt", "jupyterlab", True), ("image-alt", "kit", False),
                      ("label", "jupyterlab", False), ("label", "kit", False)]
    assert len(failures) == 2
    assert any("image-alt" in f and "> img]" in f for f in failures)  # a kit's own image without alt
    assert any(f.startswith("page: label (critical)") and "<input" in f for f in failures)
    summary = accessibility_summary(findings)
    assert summary.startswith("axe-core audit") and "why JupyterLab's: JupyterLab's image renderer" in summary


def test_missing_browser_skips_with_advice_but_fails_under_ci(monkeypatch):
    monkeypatch.setenv("SOCKUTIL_CHROMIUM", "/nonexistent/chromium")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        chromium_path()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="no browser under CI"):
        chromium_path()

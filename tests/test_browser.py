"""A real JupyterLab in a real browser: every notebook with live panels runs and its panels work.

This test starts JupyterLab itself (on a loopback port the OS picks, with a
token), drives Debian's Chromium through Playwright, opens each notebook that
has panels on a scratch copy (so autosave cannot touch the committed files),
runs all cells from the Run menu, and checks that no widget shows "Error
displaying widget". In notebooks with a server panel and a client console it
starts the echo server, connects, sends ``hello``, sees it come back, and
stops the server. Screenshots go to ``tests/screenshots/``.

No browser is downloaded (``playwright install`` cannot run here): Chromium
comes from the OS. Without it the test skips and says how to install it;
under CI (``CI=true``) a missing browser is a failure.
"""

from __future__ import annotations

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

ROOT = Path(__file__).resolve().parent.parent
#: The notebooks to open; another folder can be tried with SOCKUTIL_NOTEBOOKS.
NOTEBOOKS = Path(os.environ.get("SOCKUTIL_NOTEBOOKS", ROOT / "notebooks"))
SCREENSHOTS = ROOT / "tests" / "screenshots"
PANEL_CLASSES = ("ServerPanel(", "ClientConsole(", "StreamLab(", "ManyClients(")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
INSTALL_HINT = (
    "Chromium is needed for the real-browser test: on Debian or Ubuntu run "
    "`sudo apt-get install chromium` (the test uses /usr/bin/chromium, or set "
    "SOCKUTIL_CHROMIUM to another Chromium or Chrome executable)"
)

pytestmark = pytest.mark.browser


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
    candidate = os.environ.get("SOCKUTIL_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(candidate).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"no browser under CI. {INSTALL_HINT}")
        pytest.skip(INSTALL_HINT)
    return candidate


def write_lab_settings(settings: Path) -> None:
    """Render every cell (no virtual scrolling) and ask for no news: a quiet, complete page."""
    tracker = settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True, exist_ok=True)
    tracker.write_text(json.dumps({"windowingMode": "none"}))
    news = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True, exist_ok=True)
    news.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a scratch copy of the notebooks; yields (base URL, token, root)."""
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
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    log = (root / "lab.log").open("w+")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        url = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and url is None:
            if process.poll() is not None:
                break
            time.sleep(0.2)
            text = (root / "lab.log").read_text()
            match = re.search(r"http://127\.0\.0\.1:(\d+)/lab", text)
            if match:
                url = f"http://127.0.0.1:{match.group(1)}"
        if url is None:
            pytest.fail("JupyterLab did not start:\n" + (root / "lab.log").read_text()[-3000:])
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
    # Done when every code cell has an execution number and the kernel is idle.
    page.wait_for_function(
        r"""() => {
            const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
            if (!panel) return false;
            const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')];
            const done = prompts.length > 0 && prompts.every(p => /\[\d+\]/.test(p.textContent));
            const idle = document.querySelector(".jp-Notebook-ExecutionIndicator[data-status='idle']");
            return done && idle !== null;
        }""",
        timeout=180_000,
        polling=500,
    )


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
    SCREENSHOTS.mkdir(exist_ok=True)
    exercised = 0
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
        finally:
            page.close()
    assert exercised, "no notebook has both a server panel and a client console"


def test_missing_browser_skips_with_advice_but_fails_under_ci(monkeypatch):
    monkeypatch.setenv("SOCKUTIL_CHROMIUM", "/nonexistent/chromium")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        chromium_path()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="no browser under CI"):
        chromium_path()

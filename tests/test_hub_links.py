"""The links that launch the kit: the Binder badge written from the clone's remote, and the nbgitpuller link for a JupyterHub."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.tool_loading import load_script

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def load(name: str):
    return load_script(ROOT / "tools" / f"{name}.py", f"kit_{name}")


binder_badge = load("binder_badge")
hub_link = load("hub_link")
NOTEBOOK_00 = "?urlpath=lab/tree/notebooks/00-start-here.ipynb"


@pytest.mark.parametrize("remote", [
    "https://github.com/alice/sockets-course",
    "https://github.com/alice/sockets-course.git",
    "https://github.com/alice/sockets-course/",
    "git@github.com:alice/sockets-course.git",
    "ssh://git@github.com/alice/sockets-course.git",
    "https://token@github.com/alice/sockets-course.git",
])
def test_every_form_of_a_github_remote_gives_the_same_badge(remote):
    assert binder_badge.badge(remote) == (
        "[![Binder](https://mybinder.org/badge_logo.svg)]"
        f"(https://mybinder.org/v2/gh/alice/sockets-course/HEAD{NOTEBOOK_00})"
    )


def test_gitlab_and_other_hosts_use_binders_other_forms():
    assert binder_badge.launch_path("git@gitlab.com:uni/net/sockets.git") == "gl/uni%2Fnet%2Fsockets/HEAD"
    assert binder_badge.launch_path("https://git.uni.example/net/sockets.git") == (
        "git/https%3A%2F%2Fgit.uni.example%2Fnet%2Fsockets.git/HEAD"
    )


@pytest.mark.parametrize("remote", ["/work/main", "../kit", "git@git.uni.example:net/sockets.git",
                                    "https://github.com/alice", "https://github.com/a/b/c"])
def test_a_remote_binder_cannot_launch_gets_a_clear_error(remote):
    with pytest.raises(binder_badge.RemoteError):
        binder_badge.launch_path(remote)


def _clone_with_remote(tmp_path: Path, url: str | None) -> Path:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True, timeout=60)
    if url:
        subprocess.run(["git", "-C", str(tmp_path), "remote", "add", "origin", url], check=True, timeout=60)
    (tmp_path / "README.md").write_text(README, encoding="utf-8")
    return tmp_path


def test_the_tool_rewrites_the_readme_badge_from_the_clones_own_remote(tmp_path, monkeypatch, capsys):
    clone = _clone_with_remote(tmp_path, "git@github.com:bob/net-course.git")
    monkeypatch.setattr(binder_badge, "ROOT", clone)
    readme = clone / "README.md"
    assert binder_badge.main(["--readme", str(readme)]) == 0
    text = readme.read_text(encoding="utf-8")
    line = capsys.readouterr().out.strip()
    assert line == binder_badge.BADGE_LINE.search(text).group(0)
    assert f"https://mybinder.org/v2/gh/bob/net-course/HEAD{NOTEBOOK_00}" in line
    old_line = binder_badge.BADGE_LINE.search(README).group(0)
    assert text.replace(line, "") == README.replace(old_line, ""), "only the badge line may change"


def test_the_command_line_writes_checks_and_explains(tmp_path, capsys):
    readme = tmp_path / "README.md"
    readme.write_text(README, encoding="utf-8")
    assert binder_badge.main(["--readme", str(readme), "--repo", "carol/sockets"]) == 0
    assert "/v2/gh/carol/sockets/HEAD" in readme.read_text(encoding="utf-8")
    assert binder_badge.main(["--readme", str(readme), "--repo", "carol/sockets", "--check"]) == 0
    assert binder_badge.main(["--readme", str(readme), "--repo", "dave/other", "--check"]) == 1
    assert "does not launch https://github.com/dave/other" in capsys.readouterr().err


def test_a_clone_without_a_remote_is_told_to_pass_repo(tmp_path, capsys):
    clone = _clone_with_remote(tmp_path, None)
    with pytest.raises(binder_badge.RemoteError, match="pass --repo OWNER/REPO"):
        binder_badge.remote_url("origin", clone)


def test_the_readme_badge_is_in_the_form_the_tool_writes():
    line = binder_badge.BADGE_LINE.search(README)
    assert line, "README.md has no badge line tools/binder_badge.py can rewrite"
    assert line.group(0).endswith(f"/HEAD{NOTEBOOK_00})")
    assert (ROOT / "notebooks" / "00-start-here.ipynb").is_file()


def test_the_nbgitpuller_link_names_the_repository_branch_and_notebook():
    link = hub_link.link("https://hub.example.edu/", "https://github.com/ME/sockets-student.git", "spring")
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "hub.example.edu", "/hub/user-redirect/git-pull")
    assert parse_qs(parts.query) == {
        "repo": ["https://github.com/ME/sockets-student.git"],
        "branch": ["spring"],
        "urlpath": ["lab/tree/sockets-student.git/00-start-here.ipynb"],  # nbgitpuller keeps ".git"
    }


@pytest.mark.parametrize("hub, repo", [("hub.example.edu", "https://github.com/ME/x"),
                                       ("https://hub.example.edu", "sockets-student")])
def test_a_bad_hub_or_repository_gets_a_clear_error(hub, repo, capsys):
    assert hub_link.main([hub, repo]) == 1
    assert capsys.readouterr().err.startswith("hub_link: ")


def test_the_readme_shows_the_link_the_tool_prints():
    command = re.search(r"`\.venv/bin/python tools/hub_link\.py (\S+) (\S+)` prints it: `([^`]+)`", README)
    assert command, "README.md's JupyterHub section lost its example"
    hub, repo, shown = command.groups()
    assert hub_link.link(hub, repo) == shown
    form = "https://HUB/hub/user-redirect/git-pull?repo=REPOSITORY&branch=BRANCH&urlpath=lab/tree/FOLDER/00-start-here.ipynb"
    assert form in README
    assert (ROOT / "tools" / "student_edition.py").is_file()
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "hub_link.py"), hub, repo],
                         capture_output=True, text=True, timeout=60)
    assert run.stdout.strip() == shown

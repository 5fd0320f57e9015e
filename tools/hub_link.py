"""Print the nbgitpuller link that hands the student edition out on a JupyterHub.

Why: a student who clicks an nbgitpuller link logs in to the hub, gets a
fresh clone of a git repository in their home folder (or the new commits
merged into the copy they already have, their own edits kept), and lands in
JupyterLab on one notebook. The link must name the repository, the branch,
and the notebook's path *inside the clone's folder*, which nbgitpuller names
after the last part of the repository URL (``.git`` included, if the URL has
it). This tool builds that link, so nothing is encoded by hand.

    python tools/hub_link.py https://hub.example.edu https://github.com/me/sockets-student
    python tools/hub_link.py HUB REPO --branch main --notebook 00-start-here.ipynb

The hub's image must hold nbgitpuller (binder/requirements.txt pins it).
"""

from __future__ import annotations

import argparse
import sys
from urllib.parse import urlencode, urlsplit

#: The notebook a student lands on: the course starts at 00.
NOTEBOOK = "00-start-here.ipynb"
#: The branch tools/student_edition.py's output is usually pushed to.
BRANCH = "main"


def clone_folder(repo: str) -> str:
    """The folder nbgitpuller clones ``repo`` into: its URL's last part, exactly as nbgitpuller 1.3 takes it."""
    return repo.rstrip("/").split("/")[-1]


def link(hub: str, repo: str, branch: str = BRANCH, notebook: str = NOTEBOOK) -> str:
    """The nbgitpuller link: ``HUB/hub/user-redirect/git-pull?repo=...&branch=...&urlpath=lab/tree/...``."""
    parts = urlsplit(hub)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"the hub's address must start with https:// (got {hub!r})")
    if not urlsplit(repo).scheme or not clone_folder(repo):
        raise ValueError(f"the repository must be a URL a hub can clone, like https://github.com/ME/REPO (got {repo!r})")
    query = urlencode({
        "repo": repo.rstrip("/"),
        "branch": branch,
        "urlpath": f"lab/tree/{clone_folder(repo)}/{notebook}",
    })
    return f"{hub.rstrip('/')}/hub/user-redirect/git-pull?{query}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("hub", help="the hub's address, like https://hub.example.edu")
    parser.add_argument("repo", help="the student edition's git repository, like https://github.com/ME/REPO")
    parser.add_argument("--branch", default=BRANCH, help=f"default: {BRANCH}")
    parser.add_argument("--notebook", default=NOTEBOOK, help=f"the notebook that opens (default: {NOTEBOOK})")
    args = parser.parse_args(argv)
    try:
        print(link(args.hub, args.repo, args.branch, args.notebook))
    except ValueError as error:
        print(f"hub_link: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Write README.md's Binder badge for the repository this clone came from.

Why: a Binder link names one repository (``/v2/gh/OWNER/REPO/HEAD``). A fork
that keeps the original's badge launches the original, and a placeholder
launches nothing. This tool reads the clone's own remote (``origin`` unless
told otherwise), turns it into the Binder link that opens notebook 00 in
JupyterLab, and rewrites the badge line in README.md. GitHub and GitLab
remotes get Binder's short forms; any other https git remote gets the
general ``/v2/git/`` form. A clone with no such remote gets a message saying
to pass ``--repo``.

    python tools/binder_badge.py                # from `git remote get-url origin`
    python tools/binder_badge.py --repo me/sockets-course
    python tools/binder_badge.py --check        # exit 1 if the badge is not this remote's
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
#: The Binder service the badge launches (the public one, run by the Binder project).
BINDER = "https://mybinder.org"
#: What opens first: JupyterLab at notebook 00 (the syllabus starts there).
URLPATH = "lab/tree/notebooks/00-start-here.ipynb"
#: The badge's image, Binder's own.
LOGO = "https://mybinder.org/badge_logo.svg"
#: The badge line in README.md: a Markdown image link to any mybinder.org launch URL.
BADGE_LINE = re.compile(r"^\[!\[Binder\]\([^)]*\)\]\(https://mybinder\.org/v2/[^)]*\)$", re.M)

_HOSTED = {"github.com": "gh", "gitlab.com": "gl"}
_REMOTE = re.compile(
    r"^(?:(?:https?|ssh|git)://(?:[^@/]+@)?(?P<host1>[^/:]+)(?::\d+)?/|[^@/]+@(?P<host2>[^:/]+):)"
    r"(?P<path>[^?#]+?)(?:\.git)?/?$"
)


class RemoteError(ValueError):
    """The remote cannot be turned into a Binder link; the message says why and what to do."""


def launch_path(remote: str) -> str:
    """Binder's path for a git remote: ``gh/OWNER/REPO/HEAD``, ``gl/GROUP%2FREPO/HEAD`` or ``git/URL/HEAD``.

    Accepts ``https://``, ``ssh://`` and scp-like ``git@host:owner/repo.git`` remotes.
    """
    match = _REMOTE.match(remote.strip())
    if not match:
        raise RemoteError(f"{remote!r} is not a git remote URL (https://HOST/OWNER/REPO or git@HOST:OWNER/REPO)")
    host = (match["host1"] or match["host2"]).lower()
    path = match["path"].strip("/")
    if host in _HOSTED:
        parts = path.split("/")
        if len(parts) < 2 or not all(parts):
            raise RemoteError(f"{remote!r} names no OWNER/REPO")
        if host == "github.com":
            if len(parts) != 2:
                raise RemoteError(f"{remote!r}: a GitHub repository is OWNER/REPO")
            return f"gh/{path}/HEAD"
        return f"gl/{quote(path, safe='')}/HEAD"
    if not remote.startswith("https://"):
        raise RemoteError(f"{remote!r}: Binder clones other hosts over https only; pass --repo or an https remote")
    return f"git/{quote(remote.strip(), safe='')}/HEAD"


def badge(remote: str) -> str:
    """The README's badge line for this remote."""
    return f"[![Binder]({LOGO})]({BINDER}/v2/{launch_path(remote)}?urlpath={URLPATH})"


def remote_url(name: str = "origin", root: Path | None = None) -> str:
    """The URL of the remote ``name`` of the clone at ``root`` (default: this one); RemoteError if there is none."""
    root = root or ROOT
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "remote", "get-url", name],
            capture_output=True, text=True, timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise RemoteError(f"cannot run git: {error}") from error
    if done.returncode != 0 or not done.stdout.strip():
        raise RemoteError(
            f"this clone has no remote {name!r}; pass --repo OWNER/REPO (your GitHub repository) "
            f"or --remote NAME"
        )
    return done.stdout.strip()


def rewrite(readme: str, line: str) -> str:
    """README.md's text with its one badge line replaced by ``line``."""
    found = BADGE_LINE.findall(readme)
    if len(found) != 1:
        raise RemoteError(f"README.md must hold exactly one Binder badge line; found {len(found)}")
    return BADGE_LINE.sub(lambda _: line, readme)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--repo", help="a GitHub repository, OWNER/REPO, instead of the remote")
    source.add_argument("--remote", default="origin", help="the git remote to read (default: origin)")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if the badge differs")
    parser.add_argument("--readme", type=Path, default=ROOT / "README.md", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        remote = f"https://github.com/{args.repo}" if args.repo else remote_url(args.remote)
        line = badge(remote)
        text = args.readme.read_text(encoding="utf-8")
        new = rewrite(text, line)
    except (RemoteError, OSError) as error:
        print(f"binder_badge: {error}", file=sys.stderr)
        return 1
    if args.check:
        if new != text:
            print(f"binder_badge: README.md's badge does not launch {remote}; run tools/binder_badge.py",
                  file=sys.stderr)
            return 1
        print(f"README.md's badge launches {remote}")
        return 0
    if new != text:
        args.readme.write_text(new, encoding="utf-8")
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())

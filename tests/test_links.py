"""Every relative link in the notebooks and the README resolves: to a file of the repository, and to a heading in it.

Why a parser: a link is what a Markdown renderer calls a link. mistune (the
parser nbconvert uses, installed with JupyterLab) finds inline links, images,
reference-style links and links with titles, and skips text in code spans
that only looks like a link; raw HTML ``<a href>`` and ``<img src>`` are read
too. An anchor (``#...``) must name a heading of its target, by the rule of
the program that shows that target: JupyterLab for a notebook (the heading's
text with spaces turned into ``-``), GitHub for a Markdown file (lower case,
punctuation dropped, spaces turned into ``-``).
"""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path
from urllib.parse import unquote

import mistune
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
DOCUMENTS = NOTEBOOKS + [ROOT / "README.md"]

_PARSE = mistune.create_markdown(renderer=None, plugins=["table"])
#: Raw HTML links and images inside Markdown.
_HTML_LINK = re.compile(r"""<(?:a|img)\b[^>]*?\b(?:href|src)\s*=\s*["']([^"']+)["']""", re.I)
_HTML_ANCHOR = re.compile(r"""<a\b[^>]*?\b(?:id|name)\s*=\s*["']([^"']+)["']""", re.I)


def _walk(tokens: list[dict]):
    for token in tokens:
        yield token
        yield from _walk(token.get("children") or [])


def _text(token: dict) -> str:
    """The plain text a heading shows (code spans, emphasis and links reduced to their text)."""
    if "raw" in token:
        return token["raw"]
    return "".join(_text(child) for child in token.get("children") or [])


def links(markdown: str) -> list[str]:
    """Every link and image target in ``markdown``."""
    found = []
    for token in _walk(_PARSE(markdown)):
        if token["type"] in ("link", "image"):
            found.append(token["attrs"]["url"])
        elif token["type"] in ("inline_html", "block_html"):
            found.extend(unescape(url) for url in _HTML_LINK.findall(token["raw"]))
    return found


def headings(markdown: str) -> list[str]:
    return [_text(t) for t in _walk(_PARSE(markdown)) if t["type"] == "heading"]


def jupyterlab_anchor(heading: str) -> str:
    """JupyterLab's id for a rendered heading: its text, spaces replaced by hyphens."""
    return heading.replace(" ", "-")


def github_anchor(heading: str) -> str:
    """GitHub's id for a heading in a Markdown file."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def markdown_of(path: Path) -> str:
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        return "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return path.read_text(encoding="utf-8")


def anchors_of(path: Path) -> set[str]:
    text = markdown_of(path)
    rule = jupyterlab_anchor if path.suffix == ".ipynb" else github_anchor
    return {rule(h) for h in headings(text)} | set(_HTML_ANCHOR.findall(text))


def broken_links(path: Path) -> list[str]:
    """The relative links in ``path`` whose file or heading does not exist, with the reason."""
    broken = []
    for link in links(markdown_of(path)):
        if re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", link) or link.startswith("//"):
            continue  # https:, mailto:, ...: not a file of this repository
        target_text, _, anchor = link.partition("#")
        target = (path.parent / unquote(target_text)).resolve() if target_text else path
        if not target.exists():
            broken.append(f"{link}: no such file")
        elif ROOT not in target.parents and target != ROOT:
            broken.append(f"{link}: points outside the repository")
        elif anchor and target.suffix in (".ipynb", ".md") and unquote(anchor) not in anchors_of(target):
            broken.append(f"{link}: {target.name} has no heading #{anchor}")
    return broken


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_every_relative_link_resolves(path):
    assert broken_links(path) == []


def test_the_documents_have_relative_links_to_check():
    counted = sum(1 for path in DOCUMENTS for link in links(markdown_of(path)) if ":" not in link.split("/")[0])
    assert counted >= 2 * len(NOTEBOOKS), "the link parser found almost no relative links"


def test_links_are_found_as_a_renderer_finds_them():
    text = (
        "[a](one.ipynb) ![b](pic.png \"title\") [c][ref] `[not](a-link.md)` <a href=\"x.md#y\">x</a>\n\n"
        "[ref]: two.md#Part\n"
    )
    assert links(text) == ["one.ipynb", "pic.png", "two.md#Part", "x.md#y"]


def test_anchors_follow_jupyterlab_for_notebooks_and_github_for_markdown():
    assert jupyterlab_anchor("Who may bind ports below 1024?") == "Who-may-bind-ports-below-1024?"
    assert github_anchor("Who may bind ports below 1024?") == "who-may-bind-ports-below-1024"
    assert github_anchor("Run it on `Binder`, or a Hub!") == "run-it-on-binder-or-a-hub"
    assert headings("# One `code` *x*\n\ntext\n\n## Two") == ["One code x", "Two"]


def test_a_broken_file_or_heading_is_reported(tmp_path, monkeypatch):
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    (tmp_path / "target.md").write_text("# A heading\n")
    page = tmp_path / "page.md"
    page.write_text("[ok](target.md#a-heading) [gone](missing.md) [bad](target.md#nothing) [self](#here)\n")
    assert broken_links(page) == [
        "missing.md: no such file",
        "target.md#nothing: target.md has no heading #nothing",
        "#here: page.md has no heading #here",
    ]

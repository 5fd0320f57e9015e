"""Sphinx's configuration for the course website and PDF (built by ``tools/build_site.py``; read that first).

Why this stack: Sphinx with myst-nb (it reads the notebooks) and sphinx-book-theme
(pages, navigation, Binder launch buttons) is what Jupyter Book 1 is built on, and
all three are pip packages that build offline. Jupyter Book 2 fetches its site
template from the internet at build time, so it cannot build here.

The source folder is not ``notebooks/`` itself but a staged copy that
``tools/build_site.py`` writes: the student edition of each notebook with its
saved outputs, widgets in their text form, the navigation lines dropped (the
theme has its own). Nothing is executed: the pages show the outputs saved in the
notebooks, which nbval checks.
"""

from __future__ import annotations

import os

#: The repository the Binder buttons and the repository link name; tools/build_site.py sets it
#: from --repo or the clone's origin remote (a fork's site launches the fork).
REPOSITORY_URL = os.environ.get("SITE_REPOSITORY_URL", "https://github.com/OWNER/REPO")

project = "Network Sockets: a Jupyter course kit"
author = "the course kit's authors"
copyright = "the course kit's authors"
language = "en"

extensions = ["myst_nb"]
#: The pages show the outputs saved in the notebooks; nothing runs at build time (no kernel, no servers).
nb_execution_mode = "off"
#: Widgets are shown by their text form (tools/build_site.py drops the widget views and their state):
#: a saved widget state is a frozen picture that needs the internet to draw and cannot be driven.
nb_ipywidgets_js = {}
#: Headings up to ### get anchors, so a link like 06-byte-streams.ipynb#key-points resolves.
myst_heading_anchors = 3
exclude_patterns = ["_build", "**.ipynb_checkpoints"]

html_theme = "sphinx_book_theme"
html_title = "Network Sockets"
html_static_path = ["_static"]
html_css_files = ["course.css"]
html_last_updated_fmt = None
html_show_sphinx = False
html_theme_options = {
    "repository_url": REPOSITORY_URL,
    #: The branch Binder builds: HEAD, the repository's default branch, as tools/binder_badge.py's badge.
    "repository_branch": "HEAD",
    #: The pages' names are the notebooks' paths in the repository (notebooks/NN-name), so "" here.
    "path_to_docs": "",
    "use_repository_button": True,
    "use_download_button": True,
    "use_edit_page_button": False,
    "use_issues_button": False,
    "use_sidenotes": False,
    "home_page_in_toc": True,
    "show_navbar_depth": 1,
    "show_toc_level": 2,
    "launch_buttons": {
        "binderhub_url": "https://mybinder.org",
        "notebook_interface": "jupyterlab",
    },
    "navigation_with_keys": False,
    #: The sidebar has the search box; pydata-sphinx-theme's header would show a second one above the page.
    "navbar_persistent": [],
}

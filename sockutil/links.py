"""The link a student's own browser opens to reach a lesson's web server, wherever the notebook runs.

Why this is not simply ``http://127.0.0.1:4444/``: that address means "this
machine" to whoever uses it. On a laptop the browser and the notebook's
kernel are on the same machine, and the link works. On JupyterHub or Binder
the kernel runs on a server far away; the student's browser would look for
port 4444 on the student's own computer and find nothing (or something
else). There, jupyter-server-proxy (``binder/requirements.txt`` installs it)
passes HTTP requests for ``<the notebook server's address>/proxy/4444/`` on
to port 4444 *of the machine the kernel runs on*, so that path is the link.

How we tell where we run: JupyterHub (and Binder, which is a JupyterHub)
starts each student's notebook server with ``JUPYTERHUB_SERVICE_PREFIX``
set to that server's path on the hub, such as ``/user/alice/``; a notebook
run on one's own machine has no such variable. The proxy's path is then
``{JUPYTERHUB_SERVICE_PREFIX}proxy/4444/``, relative to the hub's own
address: the page's address in the browser's address bar, up to its first
``/``. The absolute address is known only when the hub says where it is
reached from outside: JupyterHub sets ``JUPYTERHUB_PUBLIC_URL`` to the
server's public URL (``https://hub.example.edu/user/alice/``) when its
administrator configured ``c.JupyterHub.public_url`` (or subdomains), and
leaves it empty otherwise; its scheme and host are used, with the prefix's
path. (``JUPYTERHUB_HOST`` is not used: with subdomains it names the hub,
not the student's own server.)

What the proxy reaches: jupyter-server-proxy 4's ``/proxy/PORT/`` forwards
to ``http://localhost:PORT/``. A lesson's server must therefore listen on
127.0.0.1 (which ``localhost`` always includes), not only on ``::1``, to be seen
through it. It passes HTTP and WebSocket only: a raw TCP server (echo, chat)
cannot be reached this way; use a terminal and ``nc`` in the hub instead.

Nothing here touches the network: these functions read the environment
(or a mapping given for tests) and return text.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping
from urllib.parse import urlsplit

from .names import LOOPBACK, host_port

__all__ = ["BrowserLink", "browser_link", "local_url", "PREFIX_VARIABLE", "PUBLIC_URL_VARIABLE"]

#: Set by JupyterHub (so by Binder too) for each user's notebook server: that server's path on the hub.
PREFIX_VARIABLE = "JUPYTERHUB_SERVICE_PREFIX"

#: Set by JupyterHub to the server's public URL when the hub knows it (``c.JupyterHub.public_url``); else empty.
PUBLIC_URL_VARIABLE = "JUPYTERHUB_PUBLIC_URL"


@dataclass(frozen=True)
class BrowserLink:
    """Where a browser finds a server: ``url`` to open, and how to read it.

    ``url`` is a whole URL (``http://127.0.0.1:4444/``, or the hub's
    ``https://hub.example.edu/user/alice/proxy/4444/``), or, on a hub whose
    public address is not known here, a path starting with ``/``
    (``/user/alice/proxy/4444/``) to put after the hub's address.
    """

    url: str
    via_proxy: bool

    @property
    def is_path(self) -> bool:
        """True when ``url`` is only a path: it goes after the hub's address."""
        return self.url.startswith("/")

    def advice(self) -> str:
        """One line for the student: what to open, and where."""
        if not self.via_proxy:
            return f"open {self.url} in your browser"
        if self.is_path:
            return (f"open {self.url} on this JupyterHub: in your browser's address bar, keep the "
                    f"hub's address (up to the first /) and put this path after it")
        return f"open {self.url} in your browser (through JupyterHub's proxy)"

    def __str__(self) -> str:
        return self.url


def local_url(port: int, host: str = LOOPBACK, path: str = "/") -> str:
    """``http://host:port/path``, an IPv6 address in brackets: ``http://[::1]:4444/``."""
    if not path.startswith("/"):
        path = "/" + path
    return f"http://{host_port(host, port)}{path}"


def browser_link(port: int, host: str = LOOPBACK, environ: Mapping[str, str] | None = None) -> BrowserLink:
    """The link that reaches a web server on ``port`` of this machine from the student's browser.

    Run locally (no ``JUPYTERHUB_SERVICE_PREFIX``): ``http://127.0.0.1:PORT/``
    (``host`` chooses the address; ``[::1]`` for IPv6). Under JupyterHub or
    Binder: ``{JUPYTERHUB_SERVICE_PREFIX}proxy/PORT/`` through
    jupyter-server-proxy, made absolute with ``JUPYTERHUB_PUBLIC_URL`` when
    the hub gives it. ``environ`` defaults to ``os.environ``; tests pass a
    dict. Raises ``ValueError`` for a port outside 1-65535.
    """
    if not 1 <= port <= 65535:
        raise ValueError(f"{port} is not a port a browser can open: use 1 to 65535")
    env = os.environ if environ is None else environ
    prefix = env.get(PREFIX_VARIABLE, "").strip()
    if not prefix:
        return BrowserLink(local_url(port, host), via_proxy=False)
    prefix = "/" + prefix.strip("/") + "/" if prefix.strip("/") else "/"
    path = f"{prefix}proxy/{port}/"
    public = urlsplit(env.get(PUBLIC_URL_VARIABLE, "").strip())
    if public.scheme in ("http", "https") and public.netloc:
        # Only its scheme and host are taken: the path is the prefix's, whatever the public URL ends with.
        return BrowserLink(f"{public.scheme}://{public.netloc}{path}", via_proxy=True)
    return BrowserLink(path, via_proxy=True)

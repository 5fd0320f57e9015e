"""The link to a lesson's web server, for a notebook run locally and on JupyterHub or Binder.

The environments are given as dicts, the way JupyterHub sets them for a
student's server: ``JUPYTERHUB_SERVICE_PREFIX`` always, ``JUPYTERHUB_PUBLIC_URL``
only when the hub's public address is configured (else empty). The browser
test (tests/test_browser.py) opens both kinds of link in Chromium.
"""

from __future__ import annotations

import pytest

from sockutil.links import BrowserLink, browser_link, local_url

HUB = {"JUPYTERHUB_SERVICE_PREFIX": "/user/alice/", "JUPYTERHUB_PUBLIC_URL": ""}


def test_locally_the_link_is_the_loopback_address():
    link = browser_link(4444, environ={})
    assert link == BrowserLink("http://127.0.0.1:4444/", via_proxy=False)
    assert str(link) == "http://127.0.0.1:4444/" and not link.is_path
    assert link.advice() == "open http://127.0.0.1:4444/ in your browser"


@pytest.mark.parametrize("host", ["::1", "[::1]"])
def test_locally_an_ipv6_server_gets_brackets(host):
    assert browser_link(8080, host=host, environ={}).url == "http://[::1]:8080/"


def test_other_jupyter_variables_alone_do_not_mean_a_hub():
    assert not browser_link(4444, environ={"JUPYTER_SERVER_ROOT": "/home/me", "JUPYTERHUB_SERVICE_PREFIX": ""}).via_proxy


def test_on_a_hub_the_link_is_the_proxy_path_under_the_servers_prefix():
    link = browser_link(4444, environ=HUB)
    assert link.url == "/user/alice/proxy/4444/" and link.via_proxy and link.is_path
    assert link.advice() == (
        "open /user/alice/proxy/4444/ on this JupyterHub: in your browser's address bar, keep the "
        "hub's address (up to the first /) and put this path after it")


@pytest.mark.parametrize("prefix, path", [
    ("/user/alice/", "/user/alice/proxy/4444/"),
    ("/user/alice", "/user/alice/proxy/4444/"),       # a prefix without its final slash
    ("user/alice/", "/user/alice/proxy/4444/"),
    ("/", "/proxy/4444/"),                            # a single-user server at the root
    ("/user/bob-2d0/named%20server/", "/user/bob-2d0/named%20server/proxy/4444/"),  # kept as the hub wrote it
])
def test_the_prefix_is_joined_with_exactly_one_slash(prefix, path):
    assert browser_link(4444, environ={"JUPYTERHUB_SERVICE_PREFIX": prefix}).url == path


@pytest.mark.parametrize("public", [
    "https://hub.example.edu/user/alice/",   # the server's public URL, as JupyterHub sets it
    "https://hub.example.edu/user/alice",
    "https://hub.example.edu/",              # only the hub's address: the prefix still gives the path
])
def test_with_the_hubs_public_address_the_link_is_absolute(public):
    link = browser_link(4444, environ={**HUB, "JUPYTERHUB_PUBLIC_URL": public})
    assert link.url == "https://hub.example.edu/user/alice/proxy/4444/" and not link.is_path
    assert link.advice() == ("open https://hub.example.edu/user/alice/proxy/4444/ in your browser "
                             "(through JupyterHub's proxy)")


def test_a_subdomain_hub_keeps_the_servers_own_host():
    env = {"JUPYTERHUB_SERVICE_PREFIX": "/user/alice/", "JUPYTERHUB_HOST": "https://hub.example.edu",
           "JUPYTERHUB_PUBLIC_URL": "https://alice.hub.example.edu:8443/user/alice/"}
    assert browser_link(4444, environ=env).url == "https://alice.hub.example.edu:8443/user/alice/proxy/4444/"


@pytest.mark.parametrize("public", ["hub.example.edu", "ftp://hub.example.edu/", "https://", "  "])
def test_a_public_address_that_is_no_web_address_is_ignored(public):
    assert browser_link(4444, environ={**HUB, "JUPYTERHUB_PUBLIC_URL": public}).url == "/user/alice/proxy/4444/"


def test_the_process_environment_is_read_by_default(monkeypatch):
    monkeypatch.delenv("JUPYTERHUB_SERVICE_PREFIX", raising=False)
    assert browser_link(4444).url == "http://127.0.0.1:4444/"
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/carol/")
    monkeypatch.delenv("JUPYTERHUB_PUBLIC_URL", raising=False)
    assert browser_link(4444).url == "/user/carol/proxy/4444/"


@pytest.mark.parametrize("port", [0, -1, 65536])
def test_a_port_no_browser_can_open_is_refused(port):
    with pytest.raises(ValueError, match="is not a port a browser can open"):
        browser_link(port, environ={})


def test_local_url_adds_the_leading_slash():
    assert local_url(4444, path="index.html") == "http://127.0.0.1:4444/index.html"
    assert local_url(4444, "::1", "/x") == "http://[::1]:4444/x"

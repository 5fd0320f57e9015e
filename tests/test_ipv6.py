"""IPv6 beside IPv4: the kit's servers, clients and panels on ``::1``, said and shown as ``[::1]:port``.

Every test that opens a socket on ``::1`` is marked ``needs_ipv6``: where the
machine has no IPv6 it is skipped with the reason. The wording of the events
must not depend on the family: a transcript on ``::1`` reads exactly as one
on 127.0.0.1.
"""

from __future__ import annotations

import html
import re
import socket
import threading

import pytest

from sockutil import names
from sockutil.clients import connect, request, send_and_receive
from sockutil.errors import NameResolutionError
from sockutil.servers import Server
from sockutil.widgets import ClientConsole, ServerPanel, close_all_panels
from sockutil.widgets.server_panel import _exposure
from tests.ipv6_helpers import needs_ipv6
from tests.polling import wait_until


def plain(text: str) -> str:
    """An HTML value as the text a reader sees."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))


# ------------------------------------------------------------ names (no sockets)
@pytest.mark.parametrize("text, bare", [
    ("::1", "::1"), ("[::1]", "::1"), (" [::1] ", "::1"), ("[ ::1 ]", "::1"),
    ("127.0.0.1", "127.0.0.1"), ("localhost", "localhost"), ("", ""), ("fe80::1%lo", "fe80::1%lo"),
])
def test_unbracket_takes_off_url_brackets_only(text, bare):
    assert names.unbracket(text) == bare


@pytest.mark.parametrize("text", ["[::1", "::1]", "[[::1]]", "[::1]:4444"])
def test_a_lone_or_misplaced_bracket_is_a_clear_error(text):
    with pytest.raises(ValueError, match="brackets go around a whole IPv6 address"):
        names.unbracket(text)


@pytest.mark.parametrize("host, shown", [
    ("::1", "[::1]:4444"), ("[::1]", "[::1]:4444"), ("::", "[::]:4444"),
    ("::ffff:127.0.0.1", "[::ffff:127.0.0.1]:4444"),
    ("127.0.0.1", "127.0.0.1:4444"), ("localhost", "localhost:4444"),
])
def test_host_port_brackets_exactly_the_ipv6_addresses(host, shown):
    assert names.host_port(host, 4444) == shown


def test_family_follows_the_address_with_or_without_brackets():
    assert names.family_for("[::1]") == socket.AF_INET6
    assert names.family_for("localhost") == socket.AF_INET


def test_the_ipv6_probe_answers_what_binding_answers_and_asks_once():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
            sock.bind(("::1", 0))
        works = True
    except (OSError, AttributeError):
        works = False
    assert names.has_ipv6_loopback() is works
    names.has_ipv6_loopback()
    assert names.has_ipv6_loopback.cache_info().hits >= 1


def test_the_ipv6_probe_says_no_where_binding_fails(monkeypatch):
    class NoIPv6(socket.socket):
        def bind(self, address):
            raise OSError(99, "Cannot assign requested address")

    monkeypatch.setattr(socket, "socket", NoIPv6)
    names.has_ipv6_loopback.cache_clear()
    try:
        assert names.has_ipv6_loopback() is False
    finally:
        monkeypatch.undo()
        names.has_ipv6_loopback.cache_clear()


def test_a_server_name_that_does_not_resolve_has_the_kits_words():
    with pytest.raises(NameResolutionError, match="cannot resolve 'nonexistent.invalid'"):
        names.listening_socket("nonexistent.invalid")


# ------------------------------------------------------------ servers and clients on ::1
def exchange(host: str) -> str:
    """Two connections to an echo server on ``host``; its transcript once both have ended."""
    with Server("echo", host=host, name=f"t-family-{host}") as server:
        with connect(server.port, host) as sock:
            assert send_and_receive(sock, b"ping\n") == b"ping\n"
        server.wait_idle()  # c1's last events before c2 opens: the order is then the same on every run
        assert request(server.port, b"two\n", host=host) == b"two\n"
        server.wait_idle()
        return server.transcript()


@needs_ipv6
def test_the_events_read_the_same_on_ipv6_as_on_ipv4():
    assert exchange("::1") == exchange("127.0.0.1")


@needs_ipv6
@pytest.mark.parametrize("host", ["::1", "[::1]"])
def test_a_server_on_ipv6_loopback_is_shown_with_brackets(host):
    with Server("http", host=host, name="t-v6-http") as server:
        assert server.host == "::1" and server.address[0] == "::1"
        assert server.url == f"http://[::1]:{server.port}/"
        assert repr(server) == f"<Server 't-v6-http' (http) on [::1]:{server.port} running>"
        answer = request(server.port, b"GET /v6 HTTP/1.1\r\nHost: x\r\n\r\n", host=host)
    assert answer.startswith(b"HTTP/1.1 200 OK") and answer.endswith(b"You asked for /v6\n")


@needs_ipv6
def test_an_ipv6_server_is_not_reached_over_ipv4():
    # create_server sets IPV6_V6ONLY for an AF_INET6 socket: ::1 takes IPv6 clients only.
    with Server("echo", host="::1", name="t-v6-only") as server:
        with pytest.raises(ConnectionRefusedError):
            connect(server.port, "127.0.0.1").close()


@needs_ipv6
def test_the_server_sees_an_ipv6_peer_as_a_four_tuple():
    peers = []

    def remember_peer(conn):
        peers.append(conn.peer)

    with Server(remember_peer, host="::1", name="t-v6-peer") as server:
        with connect(server.port, "[::1]") as sock:
            client = sock.getsockname()
        server.wait_idle()
    assert peers == [client] and len(client) == 4 and client[0] == "::1"


# ------------------------------------------------------------ panels on ::1
@pytest.fixture
def panels():
    yield
    close_all_panels()
    for thread in threading.enumerate():
        if thread.name.startswith("sockutil-console:"):
            thread.join(5)


@needs_ipv6
@pytest.mark.parametrize("typed", ["::1", " [::1] "])
def test_the_server_panel_listens_on_ipv6_and_the_console_follows_it(panels, typed):
    panel = ServerPanel("echo", name="t-v6-panel", host=typed)
    panel.start()
    port = panel.port
    assert plain(panel.status.value) == f"listening on [::1]:{port} (echo)"
    assert panel.host_choice.disabled and panel.connect_address == ("::1", port)
    console = ClientConsole(panel, name="t-v6-console")  # its own host is 127.0.0.1: the panel's wins
    console.connect()
    assert wait_until(lambda: console.sock is not None)
    assert plain(console.status.value) == f"connected to [::1]:{port}"
    console.send()
    assert wait_until(lambda: "c1 sent 6 bytes" in panel.log_view.value)
    assert f"connected to [::1]:{port}" in plain(console.log_view.value)
    console.close_connection()
    panel.stop()
    assert not panel.host_choice.disabled and panel.connect_address is None


@needs_ipv6
def test_the_console_reaches_an_ipv6_address_typed_with_brackets(panels):
    with Server("upper", host="::1", name="t-v6-typed") as server:
        console = ClientConsole(host="[::1]", port=server.port, name="t-v6-typed-console")
        console.connect()
        assert wait_until(lambda: console.sock is not None)
        console.send()
        assert wait_until(lambda: "HELLO" in console.log_view.value)
        console.close_connection()


@needs_ipv6
def test_a_refused_ipv6_connection_names_the_address_in_brackets(panels):
    with socket.socket(socket.AF_INET6) as unused:  # bound, not listening: refused
        unused.bind(("::1", 0))
        port = unused.getsockname()[1]
        console = ClientConsole(host="::1", port=port, name="t-v6-refused")
        console.connect()
        assert wait_until(lambda: "connection refused" in console.status.value)
    assert plain(console.status.value) == f"connection refused: nothing listens on [::1]:{port}"


@pytest.mark.parametrize("host, words", [
    ("[::1", "could not start: '[::1' is not an address"),
    ("nonexistent.invalid", "could not start: cannot resolve 'nonexistent.invalid'"),
])
def test_a_bad_host_in_the_server_panel_is_shown_in_words(panels, host, words):
    panel = ServerPanel("echo", name="t-bad-panel-host", host=host)
    panel.start()
    assert plain(panel.status.value).startswith(words)
    assert panel.port is None and not panel.start_button.disabled


def test_a_lone_bracket_in_the_console_is_shown_in_words(panels):
    console = ClientConsole(host="::1]", port=9, name="t-bad-console-host")
    console.connect()
    assert "is not an address" in plain(console.status.value) and console.sock is None
    assert not console.connect_button.disabled


@pytest.mark.parametrize("host, warned", [
    ("127.0.0.1", False), ("::1", False), ("::ffff:127.0.0.1", False),
    ("0.0.0.0", True), ("::", True), ("192.0.2.1", True),
])
def test_the_panel_warns_when_other_machines_can_connect(host, warned):
    # Loopback only in tests: the warning is judged from the address alone.
    assert bool(_exposure(host)) is warned
    if warned:
        assert "other machines can connect" in plain(_exposure(host))


@pytest.mark.parametrize("listening, reached", [
    (("0.0.0.0", 4444), ("127.0.0.1", 4444)), (("::", 4444), ("::1", 4444)),
    (("127.0.0.1", 4444), ("127.0.0.1", 4444)), (("::1", 4444), ("::1", 4444)),
])
def test_a_client_reaches_a_wildcard_server_at_the_loopback_of_its_family(panels, listening, reached):
    # Loopback only in tests: a stand-in server says where it listens; nothing binds the wildcard.
    class Listening:
        running = True
        address = listening

    panel = ServerPanel("echo", name="t-wildcard")
    panel.server = Listening()
    try:
        assert panel.connect_address == reached
    finally:
        panel.server = None

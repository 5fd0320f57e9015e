"""The ready-made handlers, each against a real client."""

from __future__ import annotations

import ast
import selectors
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

import sockutil
from sockutil import events as ev
from sockutil.clients import connect, recv_chunks, recv_until_closed, request, send_and_receive
from sockutil.handlers import (
    CHUNKY_MESSAGE,
    HELLO_MESSAGE,
    chunky,
    hang_up,
    hello,
    make_chunky,
    make_http,
)
from sockutil.servers import Server


def no_proxy_opener() -> urllib.request.OpenerDirector:
    # urllib honours http_proxy; a loopback server must be reached directly.
    return urllib.request.build_opener(urllib.request.ProxyHandler({}))


def test_echo_returns_bytes_unchanged():
    with Server("echo") as server, connect(server.port) as sock:
        payload = bytes(range(256)) * 40
        assert send_and_receive(sock, payload) == payload


def test_upper_shouts_back():
    with Server("upper") as server:
        assert request(server.port, b"hello, world") == b"HELLO, WORLD"


def test_hello_greets_and_closes_without_waiting_for_the_client():
    with Server("hello") as server:
        assert request(server.port) == HELLO_MESSAGE
        server.wait_idle()
        assert [e.kind for e in server.events if e.conn == "c1"] == [ev.OPENED, ev.SENT, ev.CLOSED]


def once_the_client_has_spoken(handler):
    """Run ``handler`` only once the client's bytes wait, unread, in the server's socket.

    That is the trap: a socket closed with unread bytes makes the kernel send
    RST instead of FIN. Waiting for readability (an event, not a sleep) makes
    it certain that the bytes are there when the handler starts.
    """

    def wrapped(conn):
        with selectors.DefaultSelector() as selector:
            selector.register(conn.sock, selectors.EVENT_READ)
            assert selector.select(5), "the client's bytes never arrived"
        handler(conn)

    wrapped.__name__ = handler.__name__
    return wrapped


@pytest.mark.parametrize("handler, expected", [(hello, HELLO_MESSAGE), (chunky, CHUNKY_MESSAGE)])
def test_a_client_that_speaks_first_gets_everything_and_a_clean_end(handler, expected):
    # Before the fix the server closed with the client's line unread: the
    # client got RST (ConnectionResetError here; nc lost the greeting).
    with Server(once_the_client_has_spoken(handler)) as server:
        with connect(server.port) as sock:
            sock.sendall(b"hi there\n")
            assert recv_until_closed(sock) == expected  # ends with b"", not a reset
        server.wait_idle()
        kinds = [(e.kind, e.detail) for e in server.events if e.conn == "c1"]
    assert (ev.RECEIVED, "(discarded)") in kinds
    assert kinds[-1] == (ev.CLOSED, "")


def test_hang_up_gives_up_on_a_client_that_never_closes():
    def greet_then_hang_up(conn):
        conn.sendall(b"bye\n")
        hang_up(conn, timeout=0.05)

    with Server(greet_then_hang_up) as server, connect(server.port) as sock:
        assert recv_until_closed(sock) == b"bye\n"  # FIN came after the reply; we stay open
        server.wait_idle()  # returns only once hang_up has given up and the server closed
        assert server.summary()["c1"].ending == ev.CLOSED


def test_hang_up_reads_a_bounded_amount_then_closes():
    def greet_then_hang_up(conn):
        conn.sendall(b"bye\n")
        hang_up(conn, timeout=30)

    with Server(greet_then_hang_up) as server, connect(server.port) as sock:
        assert recv_until_closed(sock) == b"bye\n"
        sent = 0
        with pytest.raises(OSError):  # the server closes after 64 KiB: a reset, or a broken pipe
            while sent < 16 << 20:
                sock.sendall(b"x" * 65536)
                sent += 65536
        server.wait_idle()
    assert 64 * 1024 <= server.summary()["c1"].received <= 64 * 1024 + 4096


def test_stop_ends_hang_up_at_once():
    def greet_then_hang_up(conn):
        conn.sendall(b"bye\n")
        hang_up(conn, timeout=300)

    with Server(greet_then_hang_up) as server, connect(server.port) as sock:
        assert recv_until_closed(sock) == b"bye\n"
        started = time.monotonic()
        server.stop()  # would wait 300 s if hang_up ignored the stop
        assert time.monotonic() - started < 30
        assert not server.open_connections


def test_handlers_import_no_server_at_run_time():
    """The cycle handlers -> servers -> handlers is gone: handlers needs Connection only for type hints."""
    for module in ("handlers", "chat"):
        tree = ast.parse(Path(sockutil.__file__).with_name(f"{module}.py").read_text(encoding="utf-8"))
        type_checking_only = {
            id(node)
            for block in ast.walk(tree)
            if isinstance(block, ast.If) and getattr(block.test, "id", None) == "TYPE_CHECKING"
            for node in ast.walk(block)
        }
        run_time = [
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and id(node) not in type_checking_only
        ]
        assert "servers" not in run_time, module
    servers = ast.parse(Path(sockutil.__file__).with_name("servers.py").read_text(encoding="utf-8"))
    assert any(
        isinstance(node, ast.ImportFrom) and node.module == "handlers" for node in servers.body
    ), "servers imports handlers at the top, now that nothing makes that a cycle"


def test_chunky_sends_one_message_in_several_pieces():
    with Server("chunky") as server, connect(server.port) as sock:
        chunks = recv_chunks(sock)
        server.wait_idle()
        sends = [e for e in server.events if e.kind == ev.SENT]
    assert b"".join(chunks) == CHUNKY_MESSAGE
    assert len(sends) == -(-len(CHUNKY_MESSAGE) // 4)  # ceil: pieces of 4 bytes
    assert len(chunks) > 1  # 20 ms apart, the pieces cannot all arrive in one recv


def test_chunky_stops_promptly_mid_message():
    slow = make_chunky(b"x" * 100, chunk_size=1, pause=10.0)
    with Server(slow) as server, connect(server.port) as sock:
        assert sock.recv(1) == b"x"
        server.stop()  # would take 1000 s if the pause ignored the stop
        assert sock.recv(10) == b""


def test_make_chunky_rejects_empty_chunks():
    with pytest.raises(ValueError):
        make_chunky(chunk_size=0)


def test_http_answers_urllib():
    with Server("http") as server:
        with no_proxy_opener().open(server.url + "lesson?x=1", timeout=5) as response:
            assert response.status == 200
            assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
            assert response.read() == b"Hello from sockutil! You asked for /lesson?x=1\n"


def test_http_custom_body_and_head():
    with Server(make_http("custom\n")) as server:
        reply = request(server.port, b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"Content-Length: 7\r\n" in reply and reply.endswith(b"\r\n\r\n")


@pytest.mark.parametrize(
    "raw, status",
    [
        (b"NONSENSE\r\n\r\n", b"400"),
        (b"POST / HTTP/1.1\r\n\r\n", b"405"),
        (b"GET / HTTP/1.1\r\nX: " + b"a" * 9000 + b"\r\n\r\n", b"431"),
    ],
)
def test_http_rejects_bad_requests_with_a_status(raw, status):
    with Server("http") as server:
        reply = request(server.port, raw)
    assert reply.split(b" ")[1] == status


def test_http_404_free_error_page_via_urllib():
    with Server("http") as server:
        opener = no_proxy_opener()
        req = urllib.request.Request(server.url, method="DELETE")
        with pytest.raises(urllib.error.HTTPError) as info:
            opener.open(req, timeout=5)
        assert info.value.code == 405
        info.value.close()


def body_of(reply: bytes) -> bytes:
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 "), reply
    return body


@pytest.mark.parametrize(
    "raw",
    [
        b"GET /x HTTP/1.0\n\n",  # what nc sends without -C: bare LF
        b"GET /x HTTP/1.1\nHost: a\n\n",
        b"GET /x HTTP/1.1\r\nHost: a\n\r\n",  # mixed
        b"\r\n\nGET /x HTTP/1.1\r\n\r\n",  # blank lines before the request line are skipped
    ],
)
def test_http_takes_bare_lf_line_endings(raw):
    with Server("http") as server:
        reply = request(server.port, raw)
    assert reply.startswith(b"HTTP/1.1 200 OK\r\n")
    assert body_of(reply) == b"Hello from sockutil! You asked for /x\n"


@pytest.mark.parametrize(
    "target, shown",
    [
        (b"/caf%C3%A9", "/café"),  # percent-encoded UTF-8, as browsers and curl send it
        (b"/caf\xc3\xa9", "/café"),  # raw UTF-8 bytes, as nc sends what you type
        (b"/a%20b?q=%C3%A9t%C3%A9", "/a b?q=été"),
        (b"/bad%FF", "/bad\ufffd"),  # not UTF-8: a replacement character, not a crash
        (b"/two%0Alines", "/two\\nlines"),  # a control character is shown escaped
    ],
)
def test_http_decodes_the_path(target, shown):
    with Server("http") as server:
        reply = request(server.port, b"GET " + target + b" HTTP/1.1\r\n\r\n")
    assert body_of(reply).decode("utf-8") == f"Hello from sockutil! You asked for {shown}\n"


def test_http_gives_a_browser_an_html_page_with_the_path_escaped():
    with Server("http") as server:
        raw = b"GET /caf%C3%A9/%3Cb%3Ex%3C/b%3E&%22 HTTP/1.1\r\nAccept: text/html,*/*\r\n\r\n"
        reply = request(server.port, raw)
    head, _, body = reply.partition(b"\r\n\r\n")
    assert b"Content-Type: text/html; charset=utf-8\r\n" in head
    page = body.decode("utf-8")
    assert "<code>/café/&lt;b&gt;x&lt;/b&gt;&amp;&quot;</code>" in page
    assert "<b>" not in page
    assert f"Content-Length: {len(body)}\r\n".encode() in head


def test_http_answers_curl_style_accept_with_plain_text():
    with Server("http") as server:
        reply = request(server.port, b"GET /<b> HTTP/1.1\r\nAccept: */*\r\n\r\n")
    assert b"Content-Type: text/plain; charset=utf-8\r\n" in reply
    assert body_of(reply) == b"Hello from sockutil! You asked for /<b>\n"


def test_http_urllib_with_a_non_ascii_path():
    with Server("http") as server:
        url = server.url + urllib.parse.quote("café")
        with no_proxy_opener().open(url, timeout=5) as response:
            assert response.read().decode("utf-8") == "Hello from sockutil! You asked for /café\n"


def test_http_refusal_with_a_body_unread_still_arrives_whole():
    # The server answers 405 without reading the body; closing then would send
    # RST and could destroy the answer. hang_up drains the body first.
    def when_the_body_is_in(handler):
        def wrapped(conn):
            with selectors.DefaultSelector() as selector:
                selector.register(conn.sock, selectors.EVENT_READ)
                selector.select(5)
            handler(conn)

        return wrapped

    raw = b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
    with Server(when_the_body_is_in(make_http())) as server:
        with connect(server.port) as sock:
            sock.sendall(raw)  # and no half-close: the body sits unread at the server
            reply = recv_until_closed(sock)
    assert reply.startswith(b"HTTP/1.1 405 Method Not Allowed\r\n")
    assert body_of(reply) == b"POST is not supported\n"

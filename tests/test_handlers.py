"""The ready-made handlers, each against a real client."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from sockutil import events as ev
from sockutil.clients import connect, recv_chunks, request, send_and_receive
from sockutil.handlers import CHUNKY_MESSAGE, HELLO_MESSAGE, make_chunky, make_http
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


def test_hello_greets_and_closes_without_reading():
    with Server("hello") as server:
        assert request(server.port) == HELLO_MESSAGE
        server.wait_idle()
        assert [e.kind for e in server.events if e.conn == "c1"] == [ev.OPENED, ev.SENT, ev.CLOSED]


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

"""Ready-made handlers for ``Server``: each talks to one client, then returns.

A handler is a function ``handler(conn)``. It reads with ``conn.recv()`` (which
returns ``b""`` once the client has closed its side), writes with
``conn.sendall()``, and returns when it is done; the server then closes the
connection. Each handler here is a few lines on purpose: students read them.

* ``echo``: sends back every byte it receives.
* ``upper``: the same, in upper case (so you can tell the reply from your input).
* ``hello``: greets and closes at once, like the example server in Beej's guide.
* ``chunky``: sends one message in small pieces with pauses, to make visible
  that TCP keeps no message boundaries. ``make_chunky(...)`` makes variants.
* ``http``: a minimal HTTP/1.1 responder, to open ``http://127.0.0.1:PORT/``
  in a browser or fetch it with ``curl``. ``make_http(...)`` makes variants.
"""

from __future__ import annotations

import socket
from typing import Callable

from .servers import Connection

__all__ = [
    "echo",
    "upper",
    "hello",
    "chunky",
    "http",
    "make_chunky",
    "make_http",
    "HANDLERS",
    "get_handler",
    "HELLO_MESSAGE",
    "CHUNKY_MESSAGE",
]

HELLO_MESSAGE = b"Hello, world!\n"
CHUNKY_MESSAGE = b"TCP is a byte stream: it keeps no message boundaries.\n"

#: Largest HTTP request head the ``http`` handler reads before answering 431.
MAX_REQUEST_HEAD = 8192


def echo(conn: Connection) -> None:
    """Send back every byte received, until the client closes."""
    while data := conn.recv(4096):
        conn.sendall(data)


def upper(conn: Connection) -> None:
    """Send back every byte received in upper case, until the client closes."""
    while data := conn.recv(4096):
        conn.sendall(data.upper())


def hello(conn: Connection) -> None:
    """Greet and close, without reading anything (Beej's "Hello, world!" server)."""
    conn.sendall(HELLO_MESSAGE)


def make_chunky(
    message: bytes = CHUNKY_MESSAGE, chunk_size: int = 4, pause: float = 0.02
) -> Callable[[Connection], None]:
    """A handler that sends ``message`` in pieces of ``chunk_size`` bytes, ``pause`` s apart.

    TCP_NODELAY turns off Nagle's algorithm, which would otherwise hold back
    a small piece while an earlier one is unacknowledged: here we want each
    piece to leave at once, so the receiver can see them arrive apart.
    """
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")

    def chunky(conn: Connection) -> None:
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for start in range(0, len(message), chunk_size):
            if start and not conn.sleep(pause):
                return  # the server is stopping
            conn.sendall(message[start : start + chunk_size])

    chunky.__doc__ = f"Send {len(message)} bytes in pieces of {chunk_size}, {pause} s apart."
    return chunky


chunky = make_chunky()


def make_http(body: str | None = None) -> Callable[[Connection], None]:
    """A handler answering one HTTP request; the body names the path unless ``body`` is given."""

    def http(conn: Connection) -> None:
        head = b""
        while (end := head.find(b"\r\n\r\n")) < 0 and len(head) <= MAX_REQUEST_HEAD:
            data = conn.recv(4096)
            if not data:
                return  # the client gave up before finishing its request
            head += data
        if end < 0 or end > MAX_REQUEST_HEAD:
            _respond(conn, 431, "Request Header Fields Too Large", "request head too large\n")
            return
        request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        parts = request_line.split()
        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            _respond(conn, 400, "Bad Request", "malformed request line\n")
            return
        method, path, _version = parts
        if method not in ("GET", "HEAD"):
            _respond(conn, 405, "Method Not Allowed", f"{method} is not supported\n")
            return
        text = body if body is not None else f"Hello from sockutil! You asked for {path}\n"
        _respond(conn, 200, "OK", text, include_body=method == "GET")

    return http


def _respond(
    conn: Connection, status: int, reason: str, text: str, include_body: bool = True
) -> None:
    payload = text.encode("utf-8")
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(payload)}\r\n"
        f"Connection: close\r\n"
        f"\r\n"
    ).encode("ascii")
    conn.sendall(head + (payload if include_body else b""))


http = make_http()

#: The handlers a ``Server`` (or a widget) can be given by name.
HANDLERS: dict[str, Callable[[Connection], None]] = {
    "echo": echo,
    "upper": upper,
    "hello": hello,
    "chunky": chunky,
    "http": http,
}


def get_handler(name: str) -> Callable[[Connection], None]:
    """The ready-made handler called ``name``; a clear error lists the choices."""
    try:
        return HANDLERS[name]
    except KeyError:
        choices = ", ".join(sorted(HANDLERS))
        raise ValueError(f"no handler called {name!r}; choose one of: {choices}") from None

"""Ready-made handlers for ``Server``: each talks to one client, then returns.

A handler is a function ``handler(conn)``. It reads with ``conn.recv()`` (which
returns ``b""`` once the client has closed its side), writes with
``conn.sendall()``, and returns when it is done; the server then closes the
connection. Each handler here is a few lines on purpose: students read them.

* ``echo``: sends back every byte it receives.
* ``upper``: the same, in upper case (so you can tell the reply from your input).
* ``hello``: greets and hangs up, like the example server in Beej's guide.
* ``chunky``: sends one message in small pieces with pauses, to make visible
  that TCP keeps no message boundaries. ``make_chunky(...)`` makes variants.
* ``chat``: sends every line a client writes to all the other clients, so
  several ``nc`` sessions can talk to each other (``sockutil.chat``).
* ``http``: a minimal HTTP/1.1 responder, to open ``http://127.0.0.1:PORT/``
  in a browser or fetch it with ``curl`` or ``nc``. ``make_http(...)`` makes variants.

Hanging up without losing what was sent
---------------------------------------
A server that writes and then closes without reading what the client sent
has a trap in it: closing a socket whose received bytes were never read makes
the kernel send RST instead of a normal FIN, and a client that receives RST
may throw away what it had not yet read (a Python client on Linux still
reads the bytes, then gets ``ConnectionResetError``; ``nc`` lost the
greeting of the kit's own ``hello`` several times in 20 tries). ``hang_up(conn)`` is the cure that the handlers that
speak first (``hello``, ``chunky``, ``http``) use: stop sending
(``shutdown(SHUT_WR)``: the client sees the end of the stream), read and
discard until the client closes too (or a short timeout passes), and only then
let the server close the socket.
"""

from __future__ import annotations

import html
import re
import socket
import time
from typing import TYPE_CHECKING, Callable
from urllib.parse import unquote_to_bytes

from . import events as ev
from .chat import make_chat

if TYPE_CHECKING:  # for type hints only: servers imports this module, not the reverse
    from .connection import Connection

__all__ = [
    "echo",
    "upper",
    "hello",
    "chunky",
    "chat",
    "http",
    "hang_up",
    "make_chunky",
    "make_chat",
    "make_http",
    "HANDLERS",
    "MAX_REQUEST_HEAD",
    "get_handler",
    "HELLO_MESSAGE",
    "CHUNKY_MESSAGE",
    "HANG_UP_TIMEOUT",
]

HELLO_MESSAGE = b"Hello, world!\n"
CHUNKY_MESSAGE = b"TCP is a byte stream: it keeps no message boundaries.\n"

#: Seconds ``hang_up`` waits for the client to close once the server has
#: finished sending. A client reading a reply closes within milliseconds on
#: loopback; one that never closes (``nc`` left open) holds the connection's
#: thread for at most this long, and the server's stop ends the wait at once.
HANG_UP_TIMEOUT = 2.0

#: Most bytes ``hang_up`` reads and discards before closing anyway: a client
#: still streaming after this much is not going to stop for a goodbye.
HANG_UP_MAX_BYTES = 64 * 1024


def echo(conn: Connection) -> None:
    """Send back every byte received, until the client closes."""
    while data := conn.recv(4096):
        conn.sendall(data)


def upper(conn: Connection) -> None:
    """Send back every byte received in upper case, until the client closes."""
    while data := conn.recv(4096):
        conn.sendall(data.upper())


def hello(conn: Connection) -> None:
    """Greet and hang up, without waiting for the client to speak (Beej's "Hello, world!" server)."""
    conn.sendall(HELLO_MESSAGE)
    hang_up(conn)


def hang_up(conn: Connection, timeout: float = HANG_UP_TIMEOUT) -> None:
    """End the conversation without losing what was sent: half-close, drain, then return.

    ``shutdown(SHUT_WR)`` sends FIN after the last byte: the client's ``recv``
    returns ``b""`` once it has read everything. Whatever the client still
    sends is read and thrown away (recorded as "received ... (discarded)"),
    until it closes, ``timeout`` seconds pass or ``HANG_UP_MAX_BYTES`` have
    come. Closing with those bytes unread would make the kernel send RST, and
    the client could lose the reply. The server closes the socket after the
    handler returns.
    """
    sock = conn.sock
    try:
        sock.shutdown(socket.SHUT_WR)
    except OSError:
        return  # the connection is already gone (reset by the client, or the server stopping)
    deadline = time.monotonic() + timeout
    discarded = 0
    while discarded <= HANG_UP_MAX_BYTES:
        left = deadline - time.monotonic()
        if left <= 0:
            return
        sock.settimeout(left)
        try:
            data = sock.recv(4096)
        except OSError:  # the timeout, or a reset: either way nothing more to wait for
            return
        if not data:
            return  # the client closed too: a clean ending on both sides
        discarded += len(data)
        conn.server.log.record(ev.RECEIVED, conn.name, nbytes=len(data), data=data, detail="(discarded)")


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
        hang_up(conn)

    chunky.__doc__ = f"Send {len(message)} bytes in pieces of {chunk_size}, {pause} s apart."
    return chunky


chunky = make_chunky()


#: Largest HTTP request head the ``http`` handler reads before answering 431.
MAX_REQUEST_HEAD = 8192

#: The blank line that ends a request head. HTTP writes CRLF line endings,
#: but RFC 9112 (section 2.2) lets a server accept a bare LF, which is what
#: ``nc`` sends without ``-C``; ``\r?`` takes both.
_HEAD_END = re.compile(rb"\r?\n\r?\n")

_PAGE = """<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>sockutil</title>
<p>Hello from sockutil! You asked for <code>{path}</code></p>
</html>
"""


def make_http(body: str | None = None) -> Callable[[Connection], None]:
    """A handler answering one HTTP request, then hanging up.

    The reply names the path asked for, percent-decoded as UTF-8 (so
    ``/caf%C3%A9`` reads ``/café``). A browser, whose Accept header asks for
    ``text/html``, gets an HTML page with the path escaped (``<`` becomes
    ``&lt;``); curl and nc get plain text. ``body`` replaces the reply with
    fixed plain text.
    """

    def http(conn: Connection) -> None:
        head = bytearray()
        while (end := _HEAD_END.search(head)) is None and len(head) <= MAX_REQUEST_HEAD:
            data = conn.recv(4096)
            if not data:
                return  # the client gave up before finishing its request
            head += data
            del head[: len(head) - len(head.lstrip(b"\r\n"))]  # blank lines before a request
        if end is None or end.start() > MAX_REQUEST_HEAD:
            _respond(conn, 431, "Request Header Fields Too Large", "request head too large\n")
        else:
            _answer(conn, bytes(head[: end.start()]), body)
        hang_up(conn)

    return http


def _answer(conn: Connection, head: bytes, body: str | None) -> None:
    lines = [line.rstrip(b"\r") for line in head.split(b"\n")]
    parts = lines[0].split()
    if len(parts) != 3 or not parts[2].startswith(b"HTTP/"):
        _respond(conn, 400, "Bad Request", "malformed request line\n")
        return
    method = parts[0].decode("latin-1")
    include_body = method == "GET"
    if method not in ("GET", "HEAD"):
        _respond(conn, 405, "Method Not Allowed", f"{_printable(method)} is not supported\n")
    elif body is not None:
        _respond(conn, 200, "OK", body, include_body)
    elif _accepts_html(lines[1:]):
        page = _PAGE.format(path=html.escape(_decode_target(parts[1])))
        _respond(conn, 200, "OK", page, include_body, "text/html")
    else:
        text = f"Hello from sockutil! You asked for {_decode_target(parts[1])}\n"
        _respond(conn, 200, "OK", text, include_body)


def _decode_target(target: bytes) -> str:
    """The request's path (and query) as text: %-escapes decoded as UTF-8, controls shown escaped."""
    path, question_mark, query = target.partition(b"?")
    text = unquote_to_bytes(path).decode("utf-8", "replace")
    if question_mark:
        text += "?" + unquote_to_bytes(query).decode("utf-8", "replace")
    return _printable(text)


def _printable(text: str) -> str:
    """``text`` with characters that would break a line or a terminal written as escapes (``\\n``)."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def _accepts_html(header_lines: list[bytes]) -> bool:
    for line in header_lines:
        name, colon, value = line.partition(b":")
        if colon and name.strip().lower() == b"accept" and b"text/html" in value.lower():
            return True
    return False


def _respond(
    conn: Connection,
    status: int,
    reason: str,
    text: str,
    include_body: bool = True,
    media_type: str = "text/plain",
) -> None:
    payload = text.encode("utf-8")
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        f"Content-Type: {media_type}; charset=utf-8\r\n"
        f"Content-Length: {len(payload)}\r\n"
        f"Vary: Accept\r\n"
        f"Connection: close\r\n"
        f"\r\n"
    ).encode("ascii")
    conn.sendall(head + (payload if include_body else b""))


chat = make_chat()
http = make_http()

#: The handlers a ``Server`` (or a widget) can be given by name.
HANDLERS: dict[str, Callable[[Connection], None]] = {
    "echo": echo,
    "upper": upper,
    "hello": hello,
    "chunky": chunky,
    "chat": chat,
    "http": http,
}


def get_handler(name: str) -> Callable[[Connection], None]:
    """The ready-made handler called ``name``; a clear error lists the choices."""
    try:
        return HANDLERS[name]
    except KeyError:
        choices = ", ".join(sorted(HANDLERS))
        raise ValueError(f"no handler called {name!r}; choose one of: {choices}") from None

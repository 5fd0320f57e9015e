"""Self-checks for notebook 00, Start here: ``shout(port, text)``, a first client.

Why these cases: a client that sends and takes one ``recv`` for the whole
reply works on loopback for short texts, so the check makes the reply arrive
in pieces. The server here (``_PieceServer``) reads the whole text first, then
sends it back in capitals (ASCII letters only, as ``bytes.upper()`` does)
in pieces cut where the case says, each once the client has read the one
before and 20 ms after it, so that each cut reaches the
client as a cut:

* cut between characters of a text with 2- and 3-byte characters: a loop that
  counts characters (``len(text)``) instead of bytes stops early;
* cut *inside* characters: code that decodes each ``recv`` on its own meets
  half a character;
* 300 000 characters, far more than one ``recv`` returns, and more than one
  ``send`` takes: the server announces small segments (``SMALL_SEGMENT``), so
  the client's send buffer stays small, and a lone ``send()`` (which may take
  only part and says how much) leaves the rest of the text unsent.

Hints are chosen by what happened: a reply cut short by a character count, a
``UnicodeDecodeError`` (or multi-byte characters that vanished, or came back
as one character per byte: decoded piece by piece, or not as UTF-8), a
timeout from waiting for more than the server sends (and whether the server
had the whole text by then), a reply upper-cased locally instead of by the
server.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import Callable

from ..exercise_guard import guarded
from ..servers import Connection, Server
from . import Hint, Outcome, Report, Watch, always, attempt, raised
from .tcp_table import send_each_once_read

__all__ = ["check_shout"]

#: Seconds between the pieces of a reply: long enough that each piece arrives
#: on its own, short enough that the whole check takes a fraction of a second.
PIECE_PAUSE = 0.02

#: Seconds any one call of ``shout`` may take: loopback answers in milliseconds.
#: A call still running then waits for something the server will not send
#: (more bytes, or the end of the stream): its sockets are shut down to end it.
TIMEOUT = 2.0

#: The server's idle timeout: far longer than any call may take, so that a
#: client waiting for the server to close is caught waiting, not rescued.
SERVER_IDLE = 30.0

#: Largest segment the server announces (bytes of payload; Linux's least is 88).
#: Why so small: Linux sizes a new connection's send buffer from its segment
#: size (a few dozen segments' worth), and one ``send()`` on a socket with a
#: timeout returns once that buffer is full. The socket is locked during the
#: call, so the peer's acknowledgements are handled after it (for so few
#: buffers): a reading server frees no room meanwhile. With 256, one call took
#: 100 528 bytes, a third of the long text, in 1000 runs of 1000, loaded or not
#: (Linux 6.18); without it, all 300 000. Loopback still moves the text in large
#: blocks (its segmentation is offloaded), so a right client is as fast as before.
SMALL_SEGMENT = 256

MIXED = "Grüße, Zoë! € 5 ✓"  # 1-, 2- and 3-byte UTF-8 characters


def _between_characters(text: str) -> list[int]:
    """Cut offsets (in bytes) after the 1st, 3rd, 5th... character: never inside one."""
    offsets, position = [], 0
    for index, char in enumerate(text):
        position += len(char.encode())
        if index % 2 == 0:
            offsets.append(position)
    return offsets


def _inside_characters(text: str) -> list[int]:
    """Cut offsets (in bytes) one byte into every multi-byte character."""
    offsets, position = [], 0
    for char in text:
        size = len(char.encode())
        if size > 1:
            offsets.append(position + 1)
        position += size
    return offsets


class _PieceServer:
    """Reads the whole expected text, then answers in capitals, in pieces cut at ``cuts``."""

    def __init__(self) -> None:
        self.expected = 0
        self.cuts: list[int] = []
        self.got = 0  # bytes of the text received on the latest connection
        self._lock = threading.Lock()

    def plan(self, text: str, cuts: list[int]) -> None:
        with self._lock:
            self.expected, self.cuts, self.got = len(text.encode()), cuts, 0

    def __call__(self, conn: Connection) -> None:
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # each piece leaves at once
        with self._lock:
            expected, cuts = self.expected, list(self.cuts)
        data = b""
        while len(data) < expected:
            chunk = conn.recv(65536)
            if not chunk:
                return
            data += chunk
            with self._lock:
                self.got = len(data)
        reply = data.upper()
        starts = [0, *[c for c in cuts if 0 < c < len(reply)], len(reply)]
        # Each piece once the client has read the one before (pieces sent apart can still
        # arrive together on a loaded machine), and at least PIECE_PAUSE after it.
        pieces = [reply[start:end] for start, end in zip(starts, starts[1:])]
        if not send_each_once_read(conn.sock, conn.sendall, pieces, TIMEOUT / 2, PIECE_PAUSE, conn.sleep):
            return  # the server is stopping
        # Then wait for the client to close (or the idle timeout), as the upper server does.
        while conn.recv(65536):
            pass


def _announce_small_segments(server: Server) -> None:
    """Make the server announce ``SMALL_SEGMENT``-byte segments to every client that connects from now on.

    Set on the listening socket, the option goes into the handshake's answer,
    which is where a client learns the size. ``Server`` has no public hook for
    its listener's options, hence the private attribute; where the option is
    refused (another system), the check runs as before and only a lone
    ``send()`` of the long text may pass.
    """
    listener = getattr(server, "_listener", None)
    if listener is not None and hasattr(socket, "TCP_MAXSEG"):
        with contextlib.suppress(OSError):
            listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, SMALL_SEGMENT)


def _lost_only_multibyte(value: str, expected: str) -> bool:
    """Is ``value`` the expected text with some of its multi-byte characters left out, and nothing else?

    What decoding each piece with ``errors='ignore'`` does to a character cut
    between two pieces.
    """
    if len(value) >= len(expected):
        return False
    position = 0
    for char in expected:
        if position < len(value) and value[position] == char:
            position += 1
        elif len(char.encode()) == 1:
            return False  # an ASCII character went missing: not a cut character
    return position == len(value)


def _decoded_as_one_byte_characters(value: object, expected: str) -> bool:
    """Is ``value`` the reply's UTF-8 bytes decoded one character per byte (Latin-1, cp1252)?"""
    if not isinstance(value, str) or value == expected:
        return False
    for codec in ("latin-1", "cp1252"):
        with contextlib.suppress(UnicodeError):
            if value.encode(codec) == expected.encode():
                return True
    return False


def _received(outcome: Outcome) -> int | None:
    """How many bytes of reply the student's code decoded, where that can be told."""
    if isinstance(outcome.error, UnicodeDecodeError):
        return len(outcome.error.object)
    if isinstance(outcome.value, str):
        # A replacement character stands for at least one undecodable byte.
        return len(outcome.value.replace("\ufffd", "").encode()) + outcome.value.count("\ufffd")
    return None


def _hints(text: str, server: _PieceServer) -> list[Hint]:
    nbytes, nchars = len(text.encode()), len(text)
    expected = text.encode().upper().decode()

    def sent_part(outcome: Outcome) -> bool:
        """It waited, and the server had not even got the whole text."""
        return (outcome.hung or outcome.raised(TimeoutError)) and server.got < nbytes

    def counted_characters(outcome: Outcome) -> bool:
        """It stopped after as many bytes as the text has characters: it counted characters."""
        got = _received(outcome)
        return got is not None and nchars < nbytes and nchars <= got < nbytes

    def decoded_pieces(outcome: Outcome) -> bool:
        """It met half a character, got replacement characters, or lost exactly the cut characters."""
        if isinstance(outcome.error, UnicodeDecodeError):
            return True
        value = outcome.value
        return isinstance(value, str) and ("\ufffd" in value or _lost_only_multibyte(value, expected))

    def uppercased_locally(outcome: Outcome) -> bool:
        return outcome.value == text.upper() != text.encode().upper().decode()

    return [
        Hint(counted_characters,
             f"this text has {nchars} characters but {nbytes} bytes: count bytes, not characters "
             f"(loop until you have len(text.encode('utf-8')) bytes)"),
        Hint(decoded_pieces,
             "a character of 2 or 3 bytes can be cut between two recv()s: collect all the bytes "
             "first, then decode the whole reply once"),
        Hint(raised(UnicodeEncodeError), "encode the text as UTF-8: text.encode('utf-8')"),
        Hint(lambda outcome: _decoded_as_one_byte_characters(outcome.value, expected),
             "the reply is UTF-8, as you sent it: decode it with .decode('utf-8'); a one-byte "
             "encoding such as Latin-1 turns each byte of a 2- or 3-byte character into a character "
             "of its own"),
        Hint(lambda o: isinstance(o.value, str) and o.value != text.upper() and o.value == text.upper().strip(),
             "return the reply as it came: do not strip it (its spaces are part of the text)"),
        Hint(uppercased_locally,
             "return what the server sent back: it capitalizes ASCII letters only "
             "(bytes.upper()), so 'ü' stays 'ü'"),
        Hint(sent_part,
             "the server got only part of your text, so it is still waiting for the rest: "
             "send it all with sendall() (send() may take only part and returns how much)"),
        Hint(lambda outcome: outcome.hung or outcome.raised(TimeoutError),
             "the server keeps the connection open after its reply: stop receiving once you have "
             "as many bytes as you sent, instead of waiting for more or for b''"),
        Hint(lambda outcome: isinstance(outcome.value, (bytes, bytearray)),
             "return a str: decode the reply with .decode('utf-8')"),
        Hint(lambda outcome: (_received(outcome) or nbytes) < nbytes,
             "recv() may return fewer bytes than you asked for; keep calling it until you "
             "have as many bytes as you sent"),
        Hint(always, "send text.encode('utf-8') with sendall, receive until you have that many "
                     "bytes, and return them decoded"),
    ]


@guarded("shout")   # the kit's own version of shout is refused (sockutil/exercise_guard.py)
def check_shout(shout: Callable[[int, str], str]) -> Report:
    """Check ``shout(port, text) -> str`` from notebook 00 against a real upper-case server."""
    report = Report("shout")
    if report.unwritten(shout):
        return report
    long_text = "abc" * 100_000  # 300 000 bytes: far more than one recv() returns
    pieces = _PieceServer()
    cases = [
        ("shout(port, 'hello') == 'HELLO'", "hello", []),
        ("shout(port, ' Sockets 101 ') == ' SOCKETS 101 ', spaces kept", " Sockets 101 ", []),
        (f"a reply in pieces, cut between characters: shout(port, {MIXED!r})",
         MIXED, _between_characters(MIXED)),
        (f"a reply in pieces, cut inside characters: shout(port, {MIXED!r})",
         MIXED, _inside_characters(MIXED)),
        ("a 300 000-character text, more than one send() takes, comes back whole",
         long_text, [65536, 131072]),
    ]
    with Watch(TIMEOUT) as watch, Server(pieces, name="check-shout", idle_timeout=SERVER_IDLE) as server:
        _announce_small_segments(server)
        stuck = False
        for what, text, cuts in cases:
            if stuck:  # one wait teaches what the next would: do not make the student wait again
                report.skip(what)
                continue
            pieces.plan(text, cuts)
            outcome = attempt(shout, server.port, text, deadline=TIMEOUT, on_hang=watch.wake)
            expected = text.encode().upper().decode()
            report.case(what, outcome, expected, _hints(text, pieces), function="shout")
            stuck = outcome.hung or report.stopped
        closed = watch.all_closed(server)
    report.tidy(
        closed,
        "every connection was closed by your code",
        "close the socket when you are done (a `with` block does it for you); "
        "a socket left for Python's garbage collector to close counts as not closed",
    )
    return report.finish()

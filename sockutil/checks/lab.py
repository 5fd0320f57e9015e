"""Self-check for notebook 09, the lab: a key-value server, tried the way the world would try it.

Why: a server that answers one polite client is half done. Real clients send
a command in pieces or several at once, close or reset in the middle of a
command, fall silent, send lines that never end, declare absurd lengths, and
send bytes that are not text. ``check_kv_server`` starts the student's
``serve_kv(listener, stop, idle_timeout)`` in a background thread and meets
it with each of those clients, one case at a time, then stops it. Every case
prints one line in plain words; every wait is bounded (a reply must come
within ``REPLY_TIMEOUT``), so a broken server makes cases fail, never hangs.

The protocol (defined in the notebook, repeated here because the check tests it):

=====================================  ==========================================
client sends                           server replies
=====================================  ==========================================
``SET <key> <length>\\n`` + value       ``OK\\n`` once all ``length`` bytes arrived
``GET <key>\\n``                        ``VALUE <length>\\n`` + value, or ``NOT_FOUND\\n``
``DEL <key>\\n``                        ``DELETED\\n`` or ``NOT_FOUND\\n``
anything else                          ``ERROR <reason>\\n``; the connection stays open
a line over ``MAX_LINE`` bytes          ``ERROR <reason>\\n``, then the server hangs up
a length over ``MAX_VALUE``             ``ERROR <reason>\\n``, then the server hangs up
=====================================  ==========================================

Lines end with ``\\n`` (a ``\\r`` before it is dropped; empty lines are ignored)
and are at most ``MAX_LINE`` bytes. A client that sends nothing for
``idle_timeout`` seconds is disconnected.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from typing import Callable, Iterator

from ..names import LOOPBACK
from . import Report, default_timeout
from .many_clients import ServerUnderTest

__all__ = ["MAX_LINE", "MAX_VALUE", "IDLE_TIMEOUT", "ServeKV", "serving", "check_kv_server"]

#: Longest command line, in bytes, not counting its ``\n``.
MAX_LINE = 1024
#: Largest value a ``SET`` may declare, in bytes (64 KiB).
MAX_VALUE = 64 * 1024
#: Seconds of silence after which the server hangs up. Short, so that the
#: check finishes quickly; a real service would wait minutes.
IDLE_TIMEOUT = 1.0
#: Seconds the check waits for any one reply: loopback answers in microseconds.
REPLY_TIMEOUT = 1.0

ServeKV = Callable[[socket.socket, threading.Event, float], None]


class _Failed(Exception):
    """A case went wrong; the message says how, in words."""


class _Client:
    """A test client that reads the protocol's replies, with a timeout on every call."""

    def __init__(self, port: int, timeout: float = REPLY_TIMEOUT) -> None:
        self.sock = socket.create_connection((LOOPBACK, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # tiny pieces go out at once
        self.buffer = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _more(self, what: str) -> None:
        try:
            data = self.sock.recv(65536)
        except TimeoutError:
            raise _Failed(f"no {what} within {self.sock.gettimeout():g} s") from None
        except ConnectionResetError:
            raise _Failed(f"the server reset the connection before the {what}") from None
        if not data:
            raise _Failed(f"the server closed the connection before the {what}")
        self.buffer += data

    def reply(self) -> bytes:
        """One whole reply: a line, plus the value after ``VALUE <length>``."""
        while b"\n" not in self.buffer:
            if len(self.buffer) > MAX_LINE + 100:
                raise _Failed(f"a reply line longer than {MAX_LINE} bytes: {self.buffer[:40]!r}...")
            self._more("reply")
        end = self.buffer.index(b"\n") + 1
        line, self.buffer = self.buffer[:end], self.buffer[end:]
        if line.startswith(b"VALUE "):
            try:
                length = int(line[6:-1])
            except ValueError:
                raise _Failed(f"a VALUE reply without a number: {line!r}") from None
            while len(self.buffer) < length:
                self._more(f"rest of the {length}-byte value")
            line, self.buffer = line + self.buffer[:length], self.buffer[length:]
        return line

    def expect(self, *expected: bytes) -> None:
        """Read one reply per ``expected`` (``b"ERROR"`` matches any ``ERROR <reason>\\n``)."""
        for want in expected:
            got = self.reply()
            if want == b"ERROR" and got.startswith(b"ERROR"):
                continue
            if got != want:
                shown = "an ERROR reply" if want == b"ERROR" else repr(want)
                if len(got) > 60:
                    got = got[:57] + b"..."
                raise _Failed(f"expected {shown}, got {got!r}")

    def closed_within(self, seconds: float) -> bool:
        """True if the server closes (or resets) the connection within ``seconds``."""
        self.sock.settimeout(seconds)
        try:
            while self.sock.recv(65536):
                pass
        except TimeoutError:
            return False
        except ConnectionResetError:
            pass
        return True

    def after_error(self, seconds: float) -> tuple[bool, bytes]:
        """(closed, extra): did the server close within ``seconds``, and what it sent before.

        Why: after an ``ERROR`` for a broken frame the protocol says "then close
        the connection"; anything sent in between answers a command the server
        should no longer have read.
        """
        self.sock.settimeout(seconds)
        extra, self.buffer = self.buffer, b""
        deadline = time.monotonic() + seconds
        try:
            while data := self.sock.recv(65536):
                extra += data
                if time.monotonic() > deadline:
                    return False, extra
                self.sock.settimeout(max(0.01, deadline - time.monotonic()))
        except TimeoutError:
            return False, extra
        except ConnectionResetError:
            pass
        return True, extra

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> _Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _reset(sock: socket.socket) -> None:
    """Close with SO_LINGER 0, an abortive close: the kernel sends RST instead of FIN."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


@contextlib.contextmanager
def serving(serve_kv: ServeKV, idle_timeout: float = IDLE_TIMEOUT) -> Iterator[int]:
    """Run ``serve_kv(listener, stop, idle_timeout)`` in the background; yield its port.

    Leaving the block sets ``stop`` and waits (at most 2 s) for the function to
    return. If the server raised, or an exception escaped one of its threads,
    that is raised here as a ``RuntimeError`` with the same words as the check.
    """
    with ServerUnderTest(lambda listener, stop: serve_kv(listener, stop, idle_timeout),
                         "serve_kv") as server:
        yield server.port
    problems = []
    if server.error:
        problems.append(f"your server raised {server.error}")
    if server.thread_errors:
        problems.append(f"an exception escaped a thread: {server.thread_errors[0]}")
    if not server.returned_in_time:
        problems.append("your server did not return within 2 s after stop was set")
    if problems:
        raise RuntimeError("; ".join(problems))


# ------------------------------------------------------------------ cases
# Each case talks to the server on ``port`` and raises _Failed (or OSError)
# when something is wrong. The title says what a passing server does.

def _basic(port: int) -> None:
    with _Client(port) as c:
        c.send(b"SET colour 4\nblue")
        c.expect(b"OK\n")
        c.send(b"GET colour\n")
        c.expect(b"VALUE 4\nblue")
        c.send(b"SET colour 5\ngreen")
        c.expect(b"OK\n")
        c.send(b"GET colour\n")
        c.expect(b"VALUE 5\ngreen")


def _not_found(port: int) -> None:
    with _Client(port) as c:
        c.send(b"GET never-set\n")
        c.expect(b"NOT_FOUND\n")


def _delete(port: int) -> None:
    with _Client(port) as c:
        c.send(b"SET gone 1\nx")
        c.expect(b"OK\n")
        c.send(b"DEL gone\n")
        c.expect(b"DELETED\n")
        c.send(b"GET gone\n")
        c.expect(b"NOT_FOUND\n")
        c.send(b"DEL gone\n")
        c.expect(b"NOT_FOUND\n")


def _any_bytes(port: int) -> None:
    value = b"a b\n\xff\x00\r\n"
    with _Client(port) as c:
        c.send(b"SET raw %d\n" % len(value) + value)
        c.expect(b"OK\n")
        c.send(b"GET raw\n")
        c.expect(b"VALUE %d\n" % len(value) + value)


_ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "last"]


def _many_clients(port: int) -> None:
    clients = [_Client(port) for _ in range(8)]
    try:
        # All eight are connected before any sends; the last to connect goes first.
        for i, c in reversed(list(enumerate(clients))):
            try:
                c.send(b"SET client%d 1\n%d" % (i, i))
                c.expect(b"OK\n")
            except _Failed as failure:
                raise _Failed(f"the client that connected {_ORDINALS[i]} and sent "
                              f"{_ORDINALS[7 - i]}: {failure}") from None
        for i, c in enumerate(clients):  # one store for everybody
            other = (i + 1) % 8
            c.send(b"GET client%d\n" % other)
            c.expect(b"VALUE 1\n%d" % other)
    finally:
        for c in clients:
            c.close()


def _one_byte_pieces(port: int) -> None:
    with _Client(port) as c:
        for byte in b"SET piece 5\nhelloGET piece\n":
            c.send(bytes([byte]))
            time.sleep(0.001)  # so that the pieces arrive one by one
        c.expect(b"OK\n", b"VALUE 5\nhello")


def _pipelined(port: int) -> None:
    with _Client(port) as c:
        c.send(b"SET a 1\nxSET b 2\nyyGET a\nGET b\nDEL a\nGET a\n")
        c.expect(b"OK\n", b"OK\n", b"VALUE 1\nx", b"VALUE 2\nyy", b"DELETED\n", b"NOT_FOUND\n")


def _half_close(port: int) -> None:
    with _Client(port) as c:
        c.send(b"SET last 3\nendGET last\n")
        c.sock.shutdown(socket.SHUT_WR)
        c.expect(b"OK\n", b"VALUE 3\nend")
        if not c.closed_within(REPLY_TIMEOUT):
            raise _Failed("the server kept the connection open after the client closed its side")


def _closed_mid_command(port: int) -> None:
    with _Client(port) as c:
        c.send(b"SET cut 10\nhello")  # 5 of the 10 bytes, then goodbye
    with _Client(port) as c:
        c.send(b"GE")                 # half a command line, then goodbye
    time.sleep(0.05)
    with _Client(port) as c:
        c.send(b"GET cut\n")
        got = c.reply()
        if got != b"NOT_FOUND\n":
            raise _Failed(f"a SET cut off after 5 of 10 bytes stored something: GET gave {got!r}")


def _reset_mid_command(port: int) -> None:
    c = _Client(port)
    try:
        c.send(b"SET reset 10\nabc")
        time.sleep(0.02)              # let the server read it first
    finally:
        _reset(c.sock)
    time.sleep(0.05)
    with _Client(port) as c:
        c.send(b"GET reset\n")
        c.expect(b"NOT_FOUND\n")


def _crlf_and_empty_lines(port: int) -> None:
    with _Client(port) as c:
        c.send(b"\r\n\nSET crlf 2\r\nokGET crlf\r\n\n")
        c.expect(b"OK\n", b"VALUE 2\nok")


#: Seconds within which the server must hang up after an ERROR for a broken
#: frame: well under the idle timeout, which would close the connection anyway.
HANG_UP_TIMEOUT = min(REPLY_TIMEOUT, IDLE_TIMEOUT / 2)


def _hangs_up(c: _Client) -> None:
    """After an ERROR for a broken frame: the server closes, and answers nothing more."""
    closed, extra = c.after_error(HANG_UP_TIMEOUT)
    if extra:
        shown = extra if len(extra) <= 40 else extra[:37] + b"..."
        raise _Failed(f"after the ERROR reply the server went on and answered {shown!r}")
    if not closed:
        raise _Failed(f"after the ERROR reply the server kept the connection open "
                      f"(still open after {HANG_UP_TIMEOUT:g} s)")


def _over_long_line(port: int) -> None:
    with _Client(port) as c:
        c.send(b"GET " + b"k" * 2000 + b"\n")
        c.expect(b"ERROR")
        _hangs_up(c)


def _endless_line(port: int) -> None:
    # No newline ever: the reply must come from the length, not from the idle timeout.
    with _Client(port, timeout=HANG_UP_TIMEOUT) as c:
        c.send(b"k" * 2000)
        c.expect(b"ERROR")
        _hangs_up(c)


def _over_cap_value(port: int) -> None:
    with _Client(port) as c:
        # 10 MB declared, none sent; then a command the server must not answer,
        # because it can no longer tell where the client's next command starts.
        c.send(b"SET huge 10000000\nGET x\n")
        c.expect(b"ERROR")
        _hangs_up(c)


def _unknown_commands(port: int) -> None:
    with _Client(port) as c:
        for line in (b"HELLO\n", b"get lower-case\n", b'__import__("os").getpid()\n',
                     b"GET\n", b"GET too many\n", b"SET k notanumber\n",
                     # decimal digits only: int() would accept all three
                     b"SET k 1_0\n", b"SET k -1\n", b"SET k +5\n"):
            try:
                c.send(line)
                c.expect(b"ERROR")
            except _Failed as failure:
                raise _Failed(f"after {line!r}: {failure}") from None
        c.send(b"GET k\n")
        c.expect(b"NOT_FOUND\n")


def _not_utf8(port: int) -> None:
    with _Client(port) as c:
        c.send(b"GET \xff\xfe\n")
        c.expect(b"ERROR")
        c.send(b"GET still-here\n")
        c.expect(b"NOT_FOUND\n")


CASES: list[tuple[str, Callable[[int], None], str]] = [
    ("SET then GET returns the value; a second SET replaces it", _basic,
     "reply OK\\n after storing; reply VALUE <length>\\n followed by the bytes"),
    ("GET of a key never set: NOT_FOUND", _not_found, ""),
    ("DEL removes a key: DELETED, then GET and DEL say NOT_FOUND", _delete, ""),
    ("a value may hold any bytes (spaces, newlines, non-UTF-8)", _any_bytes,
     "read exactly <length> bytes for the value; do not split it into lines or decode it"),
    ("8 clients connected at once are all answered, from one shared store", _many_clients,
     "serve each client in its own thread (or with selectors): an iterative server "
     "waits on the first client while the others get nothing; share one dict and a lock"),
    ("a command sent in 1-byte pieces", _one_byte_pieces,
     "one recv() is not one command: keep a buffer and wait until a whole line "
     "(and the whole value) has arrived"),
    ("6 commands in one send: 6 replies, in order", _pipelined,
     "one recv() may hold several commands: answer every whole one in your buffer"),
    ("after a client closes its side: every reply, then the server closes too", _half_close,
     "when recv() returns b'', finish and close the client's socket"),
    ("clients that close mid-command: nothing stored, others still served", _closed_mid_command,
     "recv() returning b'' before a command is complete means: drop that half command"),
    ("a client that resets mid-command: others still served", _reset_mid_command,
     "a reset makes recv() raise ConnectionResetError (an OSError): catch it, drop the "
     "half command, and keep serving the others"),
    ("lines ending in \\r\\n work like \\n; empty lines are ignored", _crlf_and_empty_lines,
     "drop a \\r just before the \\n, and skip lines that are then empty"),
    (f"a line longer than MAX_LINE ({MAX_LINE} bytes): an ERROR reply, then the server closes",
     _over_long_line,
     "check the line's length before you use it; after the ERROR, close the connection"),
    ("2000 bytes with no newline: an ERROR reply at once (not after the idle timeout), "
     "then the server closes",
     _endless_line,
     f"a peer may never send the newline: reply ERROR as soon as your buffer holds "
     f"more than {MAX_LINE} bytes without one, then close the connection"),
    (f"a SET declaring 10 000 000 bytes (over MAX_VALUE, {MAX_VALUE}): an ERROR reply at once, "
     f"then the server closes without reading on",
     _over_cap_value,
     "check the declared length against MAX_VALUE before you wait for the value; after the "
     "ERROR, close the connection: you cannot tell where the next command starts"),
    ("unknown commands, wrong arguments, lengths that are not plain decimal digits: "
     "ERROR replies; the connection still works",
     _unknown_commands,
     "reply ERROR <reason>\\n and go on with the next line; a length is decimal digits only "
     "(int() also takes '-1', '+5' and '1_0'); never eval() what a client sends"),
    ("bytes that are not UTF-8: an ERROR reply; the connection still works", _not_utf8,
     "catch UnicodeDecodeError when you decode a command line"),
]


def _silent_client(report: Report, server: ServerUnderTest, idle_timeout: float) -> None:
    """A client that sends nothing: others must be served meanwhile, and it must be cut off."""
    silent = _Client(server.port)
    connected = time.monotonic()
    try:
        try:
            # Answered well before the silent client's idle timeout could free the server.
            with _Client(server.port, timeout=idle_timeout / 2) as other:
                other.send(b"SET busy 2\nno")
                other.expect(b"OK\n")
            report.check(True, "while one client is silent, others are served")
        except (_Failed, OSError) as failure:
            report.check(False, f"while one client is silent, others are served: {_words(failure)}",
                         "a silent client must block only itself: a thread per client, or selectors")
        closed = silent.closed_within(idle_timeout + 2.0)
        after = time.monotonic() - connected
        if not closed:
            report.check(False, f"a silent client is disconnected after the idle timeout "
                                f"({idle_timeout:g} s): still connected after {idle_timeout + 2:g} s",
                         "give each client's socket a timeout: sock.settimeout(idle_timeout)")
        elif after < idle_timeout / 2:
            report.check(False, "a silent client is disconnected after the idle timeout "
                                f"({idle_timeout:g} s): it was disconnected far too early",
                         "wait idle_timeout seconds of silence before you hang up")
        else:
            report.check(True, f"a silent client is disconnected after the idle timeout ({idle_timeout:g} s)")
    finally:
        silent.close()


def _words(failure: BaseException) -> str:
    if isinstance(failure, _Failed):
        return str(failure)
    return f"the client got {type(failure).__name__}"


def check_kv_server(serve_kv: ServeKV) -> None:
    """Check ``serve_kv(listener, stop, idle_timeout)`` from notebook 09, case by case."""
    report = Report("serve_kv")
    idle_timeout = IDLE_TIMEOUT
    with default_timeout(), ServerUnderTest(
        lambda listener, stop: serve_kv(listener, stop, idle_timeout), "serve_kv"
    ) as server:
        if not server.alive:
            report.check(False, f"serve_kv(listener, stop, idle_timeout): {server.why_dead()}",
                         "it should accept and serve clients until stop is set, then return")
            report.finish()
            return
        for title, case, hint in CASES:
            if not server.alive:
                report.check(False, f"{title}: {server.why_dead()}", hint)
                continue
            try:
                case(server.port)
            except (_Failed, OSError) as failure:
                report.check(False, f"{title}: {_words(failure)}", hint)
            else:
                report.check(True, title)
        if server.alive:
            _silent_client(report, server, idle_timeout)
        else:
            report.check(False, f"a silent client: {server.why_dead()}")
        server.report_stop(
            report,
            "serve_kv",
            "look at stop.is_set() at least every 0.1 s (listener.settimeout(0.1)), "
            "and wake or bound the client threads (shutdown their sockets)",
            "catch OSError around a client's recv and sendall; an uncaught exception "
            "in a thread prints a traceback and leaves its socket open",
        )
    report.finish()

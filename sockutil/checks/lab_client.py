"""The lab's limits, and the test client the lab's self-check talks to ``serve_kv`` with.

Why a client of its own: the check must read the protocol's replies exactly
(a line, plus ``<length>`` bytes after ``VALUE <length>``) and say in words
what went wrong when a reply does not come, comes wrong, or comes when none
should: after an ``ERROR`` for a broken frame, anything the server still
answers was a command it should no longer have read. Every call has a
timeout, so a broken server makes a case fail, never hang.

A case fails by raising ``Failed`` with its words and a *cause* (a short tag
such as ``"read_on"`` or ``"no_reply"``), from which the check picks the hint.
"""

from __future__ import annotations

import socket
import time

from ..names import LOOPBACK
from .server_under_test import closed_within

__all__ = ["IDLE_TIMEOUT", "MAX_LINE", "MAX_VALUE", "REPLY_TIMEOUT", "HANG_UP_TIMEOUT",
           "Failed", "KVClient"]

#: Longest command line, in bytes, not counting its ``\n`` (a ``\r`` before it counts).
MAX_LINE = 1024
#: Largest value a ``SET`` may declare, in bytes (64 KiB).
MAX_VALUE = 64 * 1024
#: Seconds of silence after which the server hangs up. Short, so that the
#: check finishes quickly; a real service would wait minutes.
IDLE_TIMEOUT = 1.0
#: Seconds the check waits for any one reply: loopback answers in microseconds.
REPLY_TIMEOUT = 1.0
#: Seconds within which the server must hang up after an ERROR for a broken
#: frame: well under the idle timeout, which would close the connection anyway.
HANG_UP_TIMEOUT = min(REPLY_TIMEOUT, IDLE_TIMEOUT / 2)


class Failed(Exception):
    """A case went wrong: ``str(failure)`` says how, ``cause`` tags why, ``line`` is the command
    line it went wrong after (if the case sends several), all for the hint."""

    def __init__(self, words: str, cause: str = "wrong_reply", line: bytes = b"") -> None:
        super().__init__(words)
        self.cause = cause
        self.line = line


def shown(data: bytes, limit: int = 40) -> str:
    """``repr`` of ``data``, cut to about ``limit`` characters."""
    return repr(data if len(data) <= limit else data[: limit - 3] + b"...")


class KVClient:
    """A test client that reads the protocol's replies, with a timeout on every call."""

    def __init__(self, port: int, timeout: float = REPLY_TIMEOUT) -> None:
        try:
            self.sock = socket.create_connection((LOOPBACK, port), timeout=timeout)
        except OSError as error:   # nothing accepts (a listener closed early): the case says so, no traceback
            raise Failed(f"the client could not connect ({type(error).__name__})", "closed_early") from None
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # tiny pieces go out at once
        self.buffer = b""

    def send(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except OSError as error:
            raise Failed(f"the server closed the connection while the client sent "
                         f"({type(error).__name__})", "closed_early") from None

    def _more(self, what: str) -> None:
        try:
            data = self.sock.recv(65536)
        except TimeoutError:
            raise Failed(f"no {what} within {self.sock.gettimeout():g} s", "no_reply") from None
        except OSError:
            raise Failed(f"the server reset the connection before the {what}", "closed_early") from None
        if not data:
            raise Failed(f"the server closed the connection before the {what}", "closed_early")
        self.buffer += data

    def reply(self) -> bytes:
        """One whole reply: a line, plus the value after ``VALUE <length>``."""
        while b"\n" not in self.buffer:
            if len(self.buffer) > MAX_LINE + 100:
                raise Failed(f"a reply line longer than {MAX_LINE} bytes: {shown(self.buffer)}")
            self._more("reply")
        end = self.buffer.index(b"\n") + 1
        line, self.buffer = self.buffer[:end], self.buffer[end:]
        if line.startswith(b"VALUE "):
            digits = line[6:-1]
            if not (digits.isdigit() and len(digits) < 10):
                raise Failed(f"a VALUE reply without a plain number: {shown(line)}")
            length = int(digits)
            while len(self.buffer) < length:
                self._more(f"rest of the {length}-byte value")
            line, self.buffer = line + self.buffer[:length], self.buffer[length:]
        return line

    def expect(self, *expected: bytes) -> None:
        """Read one reply per ``expected`` (``b"ERROR"`` matches any ``ERROR <reason>\\n``)."""
        for want in expected:
            got = self.reply()
            if want == b"ERROR" and got.startswith(b"ERROR ") and got[6:].strip():
                continue
            if want == b"ERROR" and got.startswith(b"ERROR"):
                raise Failed(f"expected ERROR <reason>, got {shown(got)}: no reason", "no_reason")
            if got != want:
                wanted = "an ERROR reply" if want == b"ERROR" else shown(want)
                cause = "not_error" if want == b"ERROR" else "wrong_reply"
                raise Failed(f"expected {wanted}, got {shown(got)}", cause)

    def closed_within(self, seconds: float) -> bool:
        """True if the server closes (or resets) the connection within ``seconds``."""
        return closed_within(self.sock, seconds)

    def hangs_up(self) -> None:
        """After an ERROR for a broken frame: the server answers nothing more, and closes.

        Why: after a broken frame the server cannot tell where the client's
        next command starts; anything it answers now was a command it should
        no longer have read.
        """
        extra, self.buffer = self.buffer, b""
        deadline = time.monotonic() + HANG_UP_TIMEOUT
        closed = False
        try:
            while not closed and not extra and time.monotonic() < deadline:
                self.sock.settimeout(max(0.001, deadline - time.monotonic()))
                data = self.sock.recv(65536)
                extra += data
                closed = not data
        except TimeoutError:
            pass
        except OSError:  # a reset closes too
            closed = True
        if extra:
            raise Failed(f"after the ERROR reply the server went on and answered {shown(extra)}", "read_on")
        if not closed:
            raise Failed(f"after the ERROR reply the server kept the connection open "
                         f"(still open after {HANG_UP_TIMEOUT:g} s)", "kept_open")

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> KVClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

"""The lab check's clients, one function per case, each with its hints chosen by cause.

Each case talks to the server on ``port`` and raises ``Failed`` (words and a
cause) when something is wrong; ``CASES`` gives each its title, which says
what a passing server does, and its hints. The shared-store cases that need
many clients at once live in ``lab_crowd``.
"""

from __future__ import annotations

import socket
import time
from typing import Callable, NamedTuple

from .harness import Hint, Outcome, always
from .lab_client import MAX_LINE, MAX_VALUE, REPLY_TIMEOUT, Failed, KVClient, shown
from .lab_crowd import CONTENTION, DEL_ONCE, SHARE, WHOLE_BUFFER, contention, many_clients
from .lab_limits import endless_line, line_limit, value_limit
from .server_under_test import reset
from .tcp_table import send_each_once_read, wait_until_read

__all__ = ["CASES", "Case", "KVOutcome", "cause"]

#: Seconds in all a server that stops reading may hold the 1-byte pieces; the rest then
#: goes without waiting (a server that reads takes microseconds a piece).
PIECES_PATIENCE = 3 * REPLY_TIMEOUT


class KVOutcome(Outcome):
    """A case's outcome: ``value`` is True if it passed; ``cause`` and ``line`` say why not."""

    def __init__(self, failure: Failed | None = None) -> None:
        super().__init__(value=failure is None)
        self.cause = failure.cause if failure else ""
        self.line = failure.line if failure else b""
        self.words = str(failure) if failure else ""

    def describe(self) -> str:
        return self.words


def cause(*causes: str, line: Callable[[bytes], bool] | None = None) -> Callable[[Outcome], bool]:
    """A ``Hint.when``: the case failed for one of ``causes`` (on a line for which ``line`` holds)."""
    def when(outcome: Outcome) -> bool:
        return (isinstance(outcome, KVOutcome) and outcome.cause in causes
                and (line is None or line(outcome.line)))
    return when


class Case(NamedTuple):
    title: str
    run: Callable[[int], None]
    hints: list[Hint]
    after_previous: bool = False  #: tried only if the case before it passed


def _on(line: bytes, failure: Failed) -> Failed:
    """The same failure, said to have happened after ``line``."""
    return Failed(f"after {shown(line)}: {failure}", failure.cause, line)


# --------------------------------------------------------------- the basics
def _basic(port: int) -> None:
    with KVClient(port) as c:
        c.send(b"SET colour 4\nblue")
        c.expect(b"OK\n")
        c.send(b"GET colour\n")
        c.expect(b"VALUE 4\nblue")
        c.send(b"SET colour 5\ngreen")
        c.expect(b"OK\n")
        c.send(b"GET colour\n")
        c.expect(b"VALUE 5\ngreen")
        c.send(b"SET Case 1\nAGET case\n")   # keys are bytes: 'Case' and 'case' are two keys
        try:
            c.expect(b"OK\n", b"NOT_FOUND\n")
        except Failed as failure:
            raise Failed(f"after SET Case, GET case: {failure}", "keys_folded") from None


def _not_found(port: int) -> None:
    with KVClient(port) as c:
        c.send(b"GET never-set\n")
        c.expect(b"NOT_FOUND\n")


def _delete(port: int) -> None:
    with KVClient(port) as c:
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
    with KVClient(port) as c:
        c.send(b"SET raw %d\n" % len(value) + value)
        c.expect(b"OK\n")
        c.send(b"GET raw\n")
        c.expect(b"VALUE %d\n" % len(value) + value)


def _lengths(port: int) -> None:
    with KVClient(port) as c:
        for line, value in ((b"SET empty 0\n", b""), (b"SET zeros 007\n", b"seven!!")):
            try:
                c.send(line + value)
                c.expect(b"OK\n")
            except Failed as failure:
                raise _on(line, failure) from None
        c.send(b"GET empty\nGET zeros\nDEL empty\n")
        try:
            c.expect(b"VALUE 0\n", b"VALUE 7\nseven!!", b"DELETED\n")
        except Failed as failure:
            words = str(failure)
            cause = ("length_echoed" if "VALUE 007" in words else
                     "empty_missing" if "NOT_FOUND" in words else failure.cause)
            raise Failed(f"after GET empty, GET zeros, DEL empty: {words}", cause) from None


# ------------------------------------------------------------- the stream
def _one_byte_pieces(port: int) -> None:
    with KVClient(port) as c:
        # Each byte once the server has read the one before: a server taking one recv() for a
        # command (or a value) then gets part of it, however late its thread runs.
        send_each_once_read(c.sock, c.send, [bytes([b]) for b in b"SET piece 5\nhelloGET piece\n"],
                            PIECES_PATIENCE)
        c.expect(b"OK\n", b"VALUE 5\nhello")


def _pipelined(port: int) -> None:
    with KVClient(port) as c:
        c.send(b"SET a 1\nxSET b 2\nyyGET a\nGET b\nDEL a\nGET a\n")
        c.expect(b"OK\n", b"OK\n", b"VALUE 1\nx", b"VALUE 2\nyy", b"DELETED\n", b"NOT_FOUND\n")


def _half_close(port: int) -> None:
    with KVClient(port) as c:
        c.send(b"SET last 3\nendGET last\n")
        c.sock.shutdown(socket.SHUT_WR)
        c.expect(b"OK\n", b"VALUE 3\nend")
        if not c.closed_within(REPLY_TIMEOUT):
            raise Failed("the server kept the connection open after the client closed its side", "kept_open")


def _gone(port: int, key: bytes) -> None:
    """The key must not exist: asked on a fresh connection."""
    with KVClient(port) as c:
        c.send(b"GET %s\n" % key)
        got = c.reply()
        if got != b"NOT_FOUND\n":
            raise Failed(f"a SET cut off mid-value stored something: GET {key.decode()} gave {shown(got)}",
                         "stored_half")


def _closed_mid_command(port: int) -> None:
    for first in (b"SET cut 10\nhello", b"GE"):  # 5 of the 10 bytes; half a command line
        with KVClient(port) as c:
            c.send(first)
            c.sock.shutdown(socket.SHUT_WR)  # goodbye: recv() returns b"" at the server
            c.closed_within(REPLY_TIMEOUT)   # once the server has closed, it has dealt with the end
    _gone(port, b"cut")


def _reset_mid_command(port: int) -> None:
    c = KVClient(port)
    try:
        c.send(b"SET reset 10\nabc")
        # The server has read the 3 bytes before the reset comes. The pause after it only gives a
        # wrong server the time to show its mistake (store them after the reset); a right one
        # passes whatever the timing.
        wait_until_read(c.sock, time.monotonic() + REPLY_TIMEOUT)
    finally:
        reset(c.sock)
    time.sleep(0.05)
    _gone(port, b"reset")


def _crlf_and_empty_lines(port: int) -> None:
    with KVClient(port) as c:
        c.send(b"\r\n\nSET crlf 2\r\nokGET crlf\r\n\n")
        c.expect(b"OK\n", b"VALUE 2\nok")


# --------------------------------------------------------------- bad lines
def _get_victim(port: int) -> bytes:
    with KVClient(port) as c:
        c.send(b"GET victim\n")
        return c.reply()


def _bad_sets(port: int, lines: list[bytes]) -> None:
    """Each line, then ``DEL victim\\n``, on a connection of its own: ERROR, then the server closes.

    The replies on that connection show a server that reads on; ``victim``
    itself is looked at too, where the store is shared (another case checks that).
    """
    with KVClient(port) as c:
        c.send(b"SET victim 4\nsafe")
        c.expect(b"OK\n")
    shared = _get_victim(port) == b"VALUE 4\nsafe"
    for line in lines:
        with KVClient(port) as c:
            try:
                c.send(line + b"\nDEL victim\n")
                c.expect(b"ERROR")
                c.hangs_up()
            except Failed as failure:
                raise _on(line, failure) from None
        if shared and _get_victim(port) != b"VALUE 4\nsafe":
            raise _on(line, Failed("the value's bytes ran as a command: victim is gone", "read_on"))


def _injection(port: int) -> None:
    _bad_sets(port, [b"SET note 1O"])  # a letter O for a zero: the 10 bytes "DEL victim" were the value


def _bad_lengths(port: int) -> None:
    _bad_sets(port, [b"SET k -1", b"SET k +5", b"SET k 1_0", b"SET k 0x10", b"SET k 1.5",
                     b"SET k \xd9\xa3", b"SET k \xc2\xb2"])


def _bad_words(port: int) -> None:
    _bad_sets(port, [b"SET k", b"SET a b c 1", b"SET k  5", b"SET k 5 ", b"SET a\tb 1", b"SET a\x00b 1",
                     b"SET \xff 1"])


def _bad_others(port: int) -> None:
    lines = [b"HELLO", b"get lower-case", b"Get k", b"set k 5", b"GET a\rb", b'__import__("os").getpid()', b"GET", b"GET too many",
             b"GET  k", b"GET k ", b"DEL", b"GET a\tb", b"GET a\x00b", b"GET \xff\xfe"]
    with KVClient(port) as c:
        for line in lines:
            try:
                c.send(line + b"\n")
                c.expect(b"ERROR")
            except Failed as failure:
                raise _on(line, failure) from None
        c.send(b"GET still-here\n")
        c.expect(b"NOT_FOUND\n")


def _non_ascii_digits(line: bytes) -> bool:
    return any(byte >= 0x80 for byte in line.split(b" ")[-1])


def _has(*pieces: bytes) -> Callable[[bytes], bool]:
    return lambda line: any(piece in line for piece in pieces)


def _empty_word(line: bytes) -> bool:
    return b"" in line.split(b" ")


def _not_upper_case(line: bytes) -> bool:
    command = line.split(b" ")[0]
    return command.upper() in (b"GET", b"DEL", b"SET") and command != command.upper()


THREADS = ("serve each client in its own thread (or with selectors): an iterative server waits on "
           "the first client while the others get nothing")
CLOSE_AFTER_BAD_SET = ("a SET that is not well formed gets ERROR, and then you close the connection: you "
                       "cannot tell whether a value follows, or how long it is, and reading on would run "
                       "its bytes as commands")
ISDIGIT = ("a length is ASCII digits 0-9 only: str.isdigit() also accepts '²' and '٣', and int() reads "
           "'٣' as 3; test length.isascii() and length.isdigit()")
NOT_UTF8 = "catch UnicodeDecodeError when you decode a command line, and reply ERROR"
CONTROL = ("a line with a control character (a tab, a NUL...) is not well formed: check "
           "text.isprintable() after decoding")
SINGLE_SPACES = ("words are separated by single spaces: split(' ') and treat an empty word (two spaces, "
                 "or a space at either end) as an error")
GO_ON = ("only a broken SET or a broken frame closes the connection: after ERROR for an unknown "
         "command or a bad GET or DEL, go on with the next line")

CASES: list[Case] = [
    Case("SET then GET returns the value; a second SET replaces it", _basic, [
        Hint(cause("keys_folded"), "keys are compared as they are: 'Case' and 'case' are two keys; do not "
                                   "change a key's case"),
        Hint(always, "reply OK\\n after storing; reply VALUE <length>\\n followed by the bytes")]),
    Case("GET of a key never set: NOT_FOUND", _not_found, [Hint(always, "reply NOT_FOUND\\n")]),
    Case("DEL removes a key: DELETED, then GET and DEL say NOT_FOUND", _delete, [
        Hint(always, "DEL replies DELETED\\n if the key was there, NOT_FOUND\\n if not")]),
    Case("a value may hold any bytes (spaces, newlines, non-UTF-8)", _any_bytes, [
        Hint(always, "read exactly <length> bytes for the value; do not split it into lines or decode it")]),
    Case("lengths: 0 stores an empty value, and leading zeros are allowed (007 is 7)", _lengths, [
        Hint(cause("empty_missing"), "an empty value is stored like any other: ask whether the key is in "
                                     "the store (key in store), not whether its value is true"),
        Hint(cause("length_echoed"), "reply with len(value), written without leading zeros: VALUE 7, not "
                                     "the length as the client wrote it"),
        Hint(always, "any ASCII digits make a length, 0 and leading zeros too: int('007') is 7")]),
    Case("8 clients connected at once are all answered, from one shared store", many_clients, [
        Hint(cause("not_shared"), SHARE), Hint(always, THREADS)]),
    Case(CONTENTION, contention, [Hint(cause("deleted_twice"), DEL_ONCE), Hint(cause("error_reply"), WHOLE_BUFFER),
                                  Hint(cause("no_reply"), THREADS), Hint(always, SHARE)],
         after_previous=True),
    Case("a command sent in 1-byte pieces", _one_byte_pieces, [
        Hint(always, "one recv() is not one command: keep a buffer and wait until a whole line "
                     "(and the whole value) has arrived")]),
    Case("6 commands in one send: 6 replies, in order", _pipelined, [
        Hint(always, "one recv() may hold several commands: answer every whole one in your buffer")]),
    Case("after a client closes its side: a reply to every command, then the server closes too",
         _half_close, [Hint(always, "when recv() returns b'', answer what is complete, then close")]),
    Case("clients that close mid-command: nothing stored, others still served", _closed_mid_command, [
        Hint(always, "recv() returning b'' before a command is complete means: drop that half command")]),
    Case("a client that resets mid-command: nothing stored, others still served", _reset_mid_command, [
        Hint(always, "a reset makes recv() raise ConnectionResetError (an OSError): catch it, drop the "
                     "half command, and keep serving the others")]),
    Case("lines ending in \\r\\n work like \\n; empty lines are ignored", _crlf_and_empty_lines, [
        Hint(always, "drop a \\r just before the \\n, and skip lines that are then empty")]),
    Case(f"many short lines in one send are all answered; a line of exactly MAX_LINE ({MAX_LINE}) bytes "
         f"is answered; one byte more: ERROR, then the server closes", line_limit, [
        Hint(cause("whole_buffer"), WHOLE_BUFFER),
        Hint(cause("rejected_exact"), f"a line of exactly MAX_LINE bytes is allowed: reject only a line "
                                      f"longer than MAX_LINE (len(line) > {MAX_LINE}, not >=)"),
        Hint(cause("cr_not_counted"), "a \\r before the \\n counts in the line's length: measure the line "
                                      "before you drop the \\r"),
        Hint(cause("read_on", "kept_open"), "after the ERROR for an over-long line, close the connection"),
        Hint(always, "check the line's length before you use it: more than MAX_LINE bytes is an error")]),
    Case(f"{MAX_LINE + 1} bytes with no newline: an ERROR reply at once (not after the idle timeout), "
         f"then the server closes", endless_line, [
        Hint(cause("read_on", "kept_open"), "after the ERROR for an over-long line, close the connection"),
        Hint(always, f"a peer may never send the newline: reply ERROR as soon as your buffer holds "
                     f"more than MAX_LINE ({MAX_LINE}) bytes without one, then close the connection")]),
    Case(f"a value of exactly MAX_VALUE ({MAX_VALUE}) bytes is stored; a SET declaring one byte more: "
         f"ERROR at once, then the server closes without reading on", value_limit, [
        Hint(cause("whole_buffer"), WHOLE_BUFFER),
        Hint(cause("value_short"), "one recv() is not one command: a value of 64 KiB arrives in several "
                                   "pieces, so keep receiving until you have all <length> bytes"),
        Hint(cause("rejected_exact"), f"a value of exactly MAX_VALUE bytes is allowed: reject only a "
                                      f"length over MAX_VALUE (> {MAX_VALUE}, not >=)"),
        Hint(cause("read_on", "kept_open"), "after the ERROR, close the connection: you cannot tell "
                                            "where the next command starts"),
        Hint(always, "check the declared length against MAX_VALUE before you wait for the value")]),
    Case("a SET with a malformed length, b'SET note 1O\\n' then b'DEL victim\\n': ERROR, then the "
         "server closes; victim is still there", _injection, [Hint(always, CLOSE_AFTER_BAD_SET)]),
    Case("lengths that are not plain ASCII digits ('-1', '+5', '1_0', '٣', '²'...): ERROR, then the "
         "server closes", _bad_lengths, [
        Hint(cause("not_error", "closed_early", line=_non_ascii_digits), ISDIGIT),
        Hint(cause("not_error", line=_has(b"-", b"+", b"_")),
             "int() also takes '-1', '+5' and '1_0': check that the length is ASCII digits only first"),
        Hint(always, CLOSE_AFTER_BAD_SET)]),
    Case("SET lines with a wrong number of words, two spaces in a row, control characters or bytes "
         "that are not UTF-8: ERROR, then the server closes", _bad_words, [
        Hint(cause("not_error", line=_has(b"\t", b"\x00")), CONTROL),
        Hint(cause("not_error", line=_empty_word), SINGLE_SPACES),
        Hint(cause("closed_early", line=_has(b"\xff")), NOT_UTF8),
        Hint(always, CLOSE_AFTER_BAD_SET)]),
    Case("unknown commands (also lower-case ones), malformed GET and DEL lines, bytes that are not "
         "UTF-8: ERROR replies; the connection still works", _bad_others, [
        Hint(cause("not_error", line=_has(b"\t", b"\x00", b"\r")), CONTROL),
        Hint(cause("not_error", line=_empty_word), SINGLE_SPACES),
        Hint(cause("not_error", "no_reply", "wrong_reply", "closed_early", line=_not_upper_case),
             "command names are upper case exactly: 'get' and 'set' are unknown commands"),
        Hint(cause("closed_early", line=_has(b"\xff")), NOT_UTF8),
        Hint(cause("closed_early"), GO_ON),
        Hint(always, "reply ERROR <reason>\\n and go on with the next line; never eval() what a client "
                     "sends")]),
]

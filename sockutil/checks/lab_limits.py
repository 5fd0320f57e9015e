"""The lab check's limits cases: MAX_LINE per line, a line that never ends, MAX_VALUE.

Why a module of their own: each limit is tried at its edge (exactly the limit,
and one byte more) and next to what it must not catch. A limit measured on the
wrong thing (the whole receive buffer, not one line) rejects many short
commands that arrived together, or a SET and its value; those are sent first,
so that such a server fails with the cause ``whole_buffer`` and not with a
hint about the edge.
"""

from __future__ import annotations

from .lab_client import MAX_LINE, MAX_VALUE, Failed, KVClient

__all__ = ["endless_line", "line_limit", "value_limit"]


def many_short_lines(port: int) -> None:
    """Short commands, more than MAX_LINE bytes of them in one send: the limit is per line."""
    count = MAX_LINE // 6 + 50   # b"GET x\n" is 6 bytes
    with KVClient(port) as c:
        c.send(b"GET x\n" * count)
        try:
            c.expect(*[b"NOT_FOUND\n"] * count)
        except Failed as failure:
            raise Failed(f"{count} lines b'GET x\\n' in one send: {failure}",
                         "whole_buffer" if failure.cause in ("not_error", "wrong_reply") else failure.cause
                         ) from None


def line_limit(port: int) -> None:
    many_short_lines(port)
    exact = b"GET " + b"k" * (MAX_LINE - 4)  # exactly MAX_LINE bytes
    with KVClient(port) as c:
        c.send(exact + b"\n")
        try:
            c.expect(b"NOT_FOUND\n")
        except Failed as failure:
            raise Failed(f"a line of exactly {MAX_LINE} bytes: {failure}",
                         "rejected_exact" if failure.cause in ("not_error", "wrong_reply", "closed_early")
                         else failure.cause) from None
    with KVClient(port) as c:
        c.send(exact + b"k\nGET x\n")  # one byte too many
        try:
            c.expect(b"ERROR")
        except Failed as failure:
            raise Failed(f"a line of {MAX_LINE + 1} bytes: {failure}", failure.cause) from None
        c.hangs_up()
    with KVClient(port) as c:
        c.send(exact + b"\r\nGET x\n")  # the \r counts: MAX_LINE + 1 bytes
        try:
            c.expect(b"ERROR")
        except Failed as failure:
            raise Failed(f"a line of {MAX_LINE} bytes and a \\r: {failure}",
                         "cr_not_counted" if failure.cause in ("not_error", "wrong_reply") else failure.cause
                         ) from None
        c.hangs_up()


def endless_line(port: int) -> None:
    # No newline ever: the reply must come from the length, not from the idle timeout.
    with KVClient(port) as c:
        c.send(b"k" * (MAX_LINE + 1))
        c.expect(b"ERROR")
        c.hangs_up()


def value_limit(port: int) -> None:
    value = bytes(range(256)) * (MAX_VALUE // 256)  # exactly MAX_VALUE bytes
    with KVClient(port) as c:
        c.send(b"SET mid %d\n" % (2 * MAX_LINE) + value[: 2 * MAX_LINE])  # a value longer than a line
        try:
            c.expect(b"OK\n")
        except Failed as failure:
            raise Failed(f"a value of {2 * MAX_LINE} bytes, sent with its SET line: {failure}",
                         "whole_buffer" if failure.cause == "wrong_reply" else failure.cause) from None
        c.send(b"SET big %d\n" % MAX_VALUE + value)
        try:
            c.expect(b"OK\n")
        except Failed as failure:
            raise Failed(f"a value of exactly {MAX_VALUE} bytes: {failure}",
                         "rejected_exact" if failure.cause in ("wrong_reply", "closed_early")
                         else failure.cause) from None
        c.send(b"GET big\n")
        try:
            c.expect(b"VALUE %d\n" % MAX_VALUE + value)
        except Failed as failure:   # OK came, but not the value: it was stored short, the rest ran as commands
            raise Failed(f"a value of exactly {MAX_VALUE} bytes, then GET: {failure}",
                         "value_short" if failure.cause == "wrong_reply" else failure.cause) from None
    with KVClient(port) as c:
        # One byte over, none of it sent; then a command the server must not answer.
        c.send(b"SET huge %d\nGET big\n" % (MAX_VALUE + 1))
        try:
            c.expect(b"ERROR")
        except Failed as failure:
            raise Failed(f"a SET declaring {MAX_VALUE + 1} bytes: {failure}", failure.cause) from None
        c.hangs_up()

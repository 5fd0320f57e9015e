"""Self-checks for notebook 00, Start here."""

from __future__ import annotations

from typing import Callable

from ..servers import Server
from . import Report, default_timeout, unclosed_sockets

__all__ = ["check_shout"]


def check_shout(shout: Callable[[int, str], str]) -> None:
    """Check ``shout(port, text) -> str`` from notebook 00 against a real upper-case server."""
    report = Report("shout")
    long_text = "abc" * 100_000  # 300 000 bytes: far more than one recv() returns
    hint_loop = (
        "recv() may return fewer bytes than you asked for; "
        "keep calling it until you have as many bytes as you sent"
    )
    with default_timeout(), unclosed_sockets() as leaked, Server("upper", name="check-shout") as server:
        report.run("shout(port, 'hello') == 'HELLO'", lambda: shout(server.port, "hello"), "HELLO")
        report.run(
            "shout(port, 'Sockets 101') == 'SOCKETS 101'",
            lambda: shout(server.port, "Sockets 101"),
            "SOCKETS 101",
        )
        report.run(
            "a 300 000-character text comes back whole",
            lambda: shout(server.port, long_text),
            long_text.upper(),
            hint_loop,
        )
        try:
            server.wait_idle(timeout=2.0)
            still_open = False
        except TimeoutError:
            still_open = True
    report.check(
        not still_open and not leaked,
        "every connection was closed by your code",
        "close the socket when you are done (a `with` block does it for you); "
        "a socket left for Python's garbage collector to close counts as not closed",
    )
    report.finish()

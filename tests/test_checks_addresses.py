"""The checks of notebook 04: how they provoke errors, and what they leave behind.

Plausible wrong solutions live in the gallery, tests/wrong_solutions/bind_preferred/
and tests/wrong_solutions/parse_endpoint/.
"""

from __future__ import annotations

import socket
import sys
import threading
from pathlib import Path

import pytest

from sockutil import names
from sockutil.checks import addresses, privileges
from sockutil.checks.addresses import check_bind_preferred

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_wrong_solutions import GALLERY, load, run_check  # noqa: E402

BIND = GALLERY / "bind_preferred"


def test_the_low_port_is_really_refused_to_the_checks_thread_only():
    """As root (CI) the kernel refuses the port to one thread; the process keeps its capability."""
    if not sys.platform.startswith("linux") or names.unprivileged_port_start() <= 1:
        pytest.skip("needs Linux with a privileged port range")
    before = names.can_bind_low_ports()
    port, real = privileges.refused_low_port()
    assert real, "a thread without CAP_NET_BIND_SERVICE must get PermissionError"
    assert names.can_bind_low_ports() == before
    assert not [t for t in threading.enumerate() if t.name == "sockutil-check:probe"]


def test_where_the_kernel_cannot_refuse_the_check_refuses_the_port_itself(monkeypatch, capsys):
    monkeypatch.setattr(addresses, "refused_low_port", lambda: (80, False))
    original_bind = socket.socket.bind
    assert run_check(BIND / "right.py").passed
    report = run_check(BIND / "catches_every_oserror.py")
    out = capsys.readouterr().out
    assert not report.passed and "✘ a low port this process may not bind raises PermissionError" in out
    assert socket.socket.bind is original_bind, "the check restores socket.socket.bind"


def test_a_fallback_port_outside_the_os_range_is_pointed_out(capsys, monkeypatch):
    # Pretend the OS's range is tiny, so the port the OS really picked falls outside it.
    monkeypatch.setattr(addresses, "ephemeral_port_range", lambda: (1, 2))
    check_bind_preferred(load(BIND / "right.py").bind_preferred)
    out = capsys.readouterr().out
    assert "✘ a port a server listens on falls back to a port the OS picks" in out
    assert "hint: bind port 0 to let the OS pick" in out


def test_a_stub_without_source_stops_at_its_first_call(capsys):
    namespace: dict = {}
    exec(compile("def bind_preferred(port, host='127.0.0.1'):\n    raise NotImplementedError\n",
                 "<no source>", "exec"), namespace)
    report = check_bind_preferred(namespace["bind_preferred"])
    out = capsys.readouterr().out
    assert report.stopped and out == (
        "✘ write bind_preferred() first: fill in its cell, run that cell, then run this check again\n"
    )


def test_sockets_the_student_leaves_open_are_closed_and_counted(capsys):
    kept: list[socket.socket] = []

    def hoards(port, host="127.0.0.1"):
        spare = socket.socket()   # made and never closed
        kept.append(spare)
        return right(port, host)

    right = load(BIND / "right.py").bind_preferred
    report = check_bind_preferred(hoards)
    out = capsys.readouterr().out
    assert "✘ every socket was closed" in out and not report.passed
    assert all(sock.fileno() == -1 for sock in kept), "the check closed what the student left open"


def test_a_string_port_is_pointed_out(capsys):
    import urllib.parse

    addresses.check_parse_endpoint(
        lambda url: (urllib.parse.urlsplit(url).hostname, str(urllib.parse.urlsplit(url).port))
    )
    assert "the port must be an int" in capsys.readouterr().out


def test_sockets_made_are_held_until_the_end_and_init_is_restored():
    """With hold, a socket dropped unclosed is still there to be counted, open; socket.socket.__init__ comes back."""
    from sockutil.checks import Watch

    original_init = socket.socket.__init__

    def drops_one() -> None:
        socket.socket()   # made, dropped, never closed: CPython would collect it at once

    with Watch(2.0, hold=True) as watch:
        mark = watch.mark()
        drops_one()
        with socket.socket() as closed_one:
            pass
        mine = watch.made_since(mark)
        assert len(mine) == 2 and closed_one in mine
        assert [s.fileno() != -1 for s in mine] == [True, False], "the dropped one is held, still open"
        assert watch.count_collected() == 0, "held, so the collector had nothing to close"
        watch.close_all()
    assert socket.socket.__init__ is original_init
    assert not watch.made_since(0), "let go once the watch ends"
    with Watch(2.0) as unheld, pytest.raises(ValueError, match="hold=True"):
        unheld.mark()   # a count without hold would miss the sockets already collected


def test_a_rebind_on_the_failed_socket_is_named_and_the_right_one_still_passes(capsys):
    assert run_check(BIND / "right.py").passed
    capsys.readouterr()
    report = run_check(BIND / "reuses_the_failed_socket.py")
    out = capsys.readouterr().out
    assert not report.passed and "✘ the socket whose bind failed was closed" in out
    assert "your code bound port 0 on the same socket" in out

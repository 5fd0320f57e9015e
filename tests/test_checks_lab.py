"""The notebook 09 check's machinery: serving(), stubs, the shared-store judge, restored settings.

Plausible wrong solutions of the exercise live in ``tests/wrong_solutions/serve_kv``.
"""

from __future__ import annotations

import fcntl
import socket
import struct
import termios
import threading
import time
import warnings
from pathlib import Path

import pytest

from sockutil.checks import lab
from sockutil.checks.lab import check_kv_server, serving
from sockutil.checks.lab_crowd import _judge, value
from sockutil.clients import recv_until_closed

from tests.tool_loading import load_script

GALLERY = Path(__file__).resolve().parent / "wrong_solutions" / "serve_kv"


def gallery(name: str):
    return load_script(GALLERY / f"{name}.py", f"kv_{name}")


def _not_yet() -> None:
    raise NotImplementedError("write serve_kv() first")


def test_serving_runs_the_server_for_a_hand_made_client():
    with serving(gallery("right").serve_kv) as port:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
            sock.sendall(b"SET greeting 5\nhelloGET greeting\nPING\n")
            sock.shutdown(socket.SHUT_WR)
            assert recv_until_closed(sock) == b"OK\nVALUE 5\nhelloERROR unknown command\n"


def test_serving_the_notebook_stub_says_write_it_first_at_once():
    started = time.monotonic()
    with pytest.raises(NotImplementedError, match=r"^write serve_kv\(\) first"):
        with serving(gallery("unwritten").serve_kv):
            pytest.fail("no client should be started for a stub")
    assert time.monotonic() - started < 1


def test_serving_a_stub_its_source_does_not_reveal_says_the_same():
    def stub(listener, stop, idle_timeout):
        _not_yet()

    with pytest.raises(NotImplementedError, match=r"^write serve_kv\(\) first"):
        with serving(stub):
            pass


def test_serving_raises_in_words_when_the_server_did_not_stop():
    def stubborn(listener, stop, idle_timeout):
        listener.settimeout(None)
        try:
            listener.accept()[0].close()  # never looks at stop; the cleanup wakes it
        except OSError:
            pass

    with pytest.raises(RuntimeError, match=r"serve_kv\(\) did not return within 2 s"):
        with serving(stubborn):
            pass


def test_a_stub_its_source_does_not_reveal_is_one_line(capsys):
    def stub(listener, stop, idle_timeout):
        _not_yet()

    report = check_kv_server(stub)
    out = capsys.readouterr().out
    assert report.stopped and out.count("\n") == 1
    assert out.startswith("✘ write serve_kv() first") and "Traceback" not in out


def test_the_check_uses_the_notebook_constants():
    assert (lab.MAX_LINE, lab.MAX_VALUE, lab.IDLE_TIMEOUT) == (1024, 64 * 1024, 1.0)


def test_a_dict_per_client_is_told_first_to_share_one_dict_and_a_lock(capsys):
    report = check_kv_server(gallery("dict_per_client").serve_kv)
    capsys.readouterr()
    first = report.failures[0]
    assert first.what.startswith("8 clients connected at once")
    assert first.hint.startswith("share one dict and a lock")


def test_the_check_restores_every_setting_it_touches(capsys):
    hook, init = threading.excepthook, socket.socket.__init__
    timeout, filters = socket.getdefaulttimeout(), list(warnings.filters)
    report = check_kv_server(gallery("right").serve_kv)
    capsys.readouterr()
    assert report.passed
    assert threading.excepthook is hook and socket.socket.__init__ is init
    assert socket.getdefaulttimeout() == timeout and warnings.filters == filters


@pytest.mark.parametrize("word,reply,wrong", [
    (b"SET", b"OK\n", False),
    (b"SET", b"ERROR busy\n", True),
    (b"DEL", b"DELETED\n", False),
    (b"DEL", b"NOT_FOUND\n", False),
    (b"GET", b"NOT_FOUND\n", False),
    (b"GET", b"VALUE 3\n" + value(3), False),
    (b"GET", b"VALUE 3\n" + value(4)[:3], True),          # another value's bytes
    (b"GET", b"VALUE 24\n" + value(12) + b"OK\nVALUE 1", True),  # a length from one SET, bytes of another
])
def test_the_shared_store_judge_tells_a_value_by_its_bytes(word, reply, wrong):
    assert bool(_judge(word, reply)) is wrong


def solution_code(notebook: str) -> list[str]:
    """The code between the BEGIN and END SOLUTION markers of every solution cell of a notebook."""
    import nbformat

    path = Path(__file__).resolve().parent.parent / "notebooks" / notebook
    blocks = []
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "code" and "### BEGIN SOLUTION" in cell.source:
            body = cell.source.split("### BEGIN SOLUTION\n", 1)[1].split("### END SOLUTION", 1)[0]
            blocks.append(body.strip())
    return blocks


@pytest.mark.parametrize("notebook,exercise", [("08-many-clients.ipynb", "serve_upper"),
                                               ("09-lab.ipynb", "serve_kv")])
def test_the_gallery_right_solution_is_the_notebooks(notebook, exercise):
    right = (GALLERY.parent / exercise / "right.py").read_text(encoding="utf-8")
    blocks = solution_code(notebook)
    assert blocks, f"{notebook} has no solution cells"
    for block in blocks:
        assert block in right, f"right.py of {exercise} differs from this solution cell:\n{block[:200]}"


def test_a_server_that_closes_the_listener_at_once_gets_verdicts_and_no_hygiene_tick(capsys):
    def serve_kv(listener, stop, idle_timeout=None):
        listener.close()   # the student's mistake: no client can connect any more
        stop.wait(5)

    report = check_kv_server(serve_kv)
    out = capsys.readouterr().out
    assert not report.passed and "Traceback" not in out
    assert "the client could not connect (ConnectionRefusedError)" in out
    assert "every client socket your server accepted was closed" not in out, "no tick for a server that served no one"


def _unread(sock: socket.socket) -> int:
    """Bytes waiting in ``sock``'s receive queue (FIONREAD)."""
    return struct.unpack("i", fcntl.ioctl(sock.fileno(), termios.FIONREAD, b"\0\0\0\0"))[0]


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux's table of TCP sockets")
def test_one_byte_pieces_reach_the_server_one_at_a_time_however_late_it_reads(capsys):
    """A server that takes one recv() for a value is caught even when it reads late.

    On a loaded machine the server's thread may run only after several of
    the client's 1-byte pieces have arrived, and one recv() then gets them
    all. The hook makes that certain: before its one recv() for a value, the
    server waits (at most 0.5 s, less than the client's patience) until the whole value is in its receive queue.
    A CI run once passed the gallery's ``value_one_recv`` this way. The
    client must therefore send each piece only once the one before was read.
    """
    module = gallery("value_one_recv")
    take_value = module.Peer.exactly

    def exactly_once_all_arrived(peer, n: int):
        deadline = time.monotonic() + 0.5
        while len(peer.buffer) + _unread(peer.sock) < n and time.monotonic() < deadline:
            time.sleep(0.001)   # the wait is bounded; the bound is never what decides the case
        return take_value(peer, n)

    module.Peer.exactly = exactly_once_all_arrived
    check_kv_server(module.serve_kv)
    out = capsys.readouterr().out
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if "1-byte pieces" in line)
    assert lines[at].startswith("✘"), out
    assert "one recv() is not one command" in lines[at + 1], out


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux's /proc for the threads' states")
def test_a_close_from_another_thread_is_caught_even_when_the_worker_is_late_back_to_recv(capsys):
    """The idle client's thread must be back in recv() when stop is set, however late it gets there.

    A stop that only close()s a client's socket from another thread does not
    wake a recv() in progress, so it fails the stop case; but if the close
    comes while the thread is still on its way back to recv() (a loaded
    machine), recv() then fails at once and the connection ends: a pass by
    luck, which a CI run once gave the gallery's closes_instead_of_shutdown.
    The hook makes the lateness certain: in the stop case (idle timeout 60 s),
    the thread spins 0.5 s after its reply before it reads again, longer than
    the 0.2 s the idle client stays quiet.
    """
    module = gallery("closes_instead_of_shutdown")
    next_line = module.Peer.line

    def late_back(peer):
        peer.lines_asked = getattr(peer, "lines_asked", 0) + 1
        if peer.lines_asked == 2 and peer.sock.gettimeout() == lab.LONG_IDLE:
            end = time.monotonic() + 0.5
            while time.monotonic() < end:   # running, not waiting: as a thread not yet back in recv()
                pass
        return next_line(peer)

    module.Peer.line = late_back
    report = check_kv_server(module.serve_kv)
    out = capsys.readouterr().out
    failed = [result for result in report.failures if "stop is set while a client is connected" in result.what]
    assert failed and "shut down their sockets" in failed[0].hint, out

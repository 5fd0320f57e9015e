"""The machinery of notebook 06's checks: the reader bench cuts where it says, and nothing hangs or leaks.

What each check says about plausible student code (right and wrong) lives in
the gallery: tests/wrong_solutions/read_lines and read_frame.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest

from sockutil.checks import reader_bench
from sockutil.checks.byte_streams import (
    LINE_TEXT,
    MAX_BUFSIZE,
    SWEEP_TEXT,
    check_read_frame,
    check_read_lines,
    example_chunkings,
)
from sockutil.checks.reader_bench import CountingSocket, ReaderBench


@pytest.fixture
def quick(monkeypatch):
    """Shorter waits than a student gets, so that readers that never finish are stopped fast."""
    monkeypatch.setattr(reader_bench, "DEADLINE", 0.5)
    monkeypatch.setattr(reader_bench, "READER_TIMEOUT", 0.3)


def check_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("sockutil-check")]


def right_lines(sock, bufsize=4096, max_line=1000):
    buffer = b""
    while True:
        while b"\n" in buffer:
            line, _, buffer = buffer.partition(b"\n")
            if len(line) > max_line:
                raise ValueError("line too long")
            yield line.decode("utf-8")
        if len(buffer) > max_line:
            raise ValueError("line too long")
        data = sock.recv(bufsize)
        if not data:
            if buffer:
                yield buffer.decode("utf-8")
            return
        buffer += data


# ---------------------------------------------------------------- the bench


def test_each_piece_reaches_the_reader_as_a_cut():
    def consume(reader, _sender, items):
        while data := reader.recv(100):
            items.append(data)

    with ReaderBench() as bench:
        reading = bench.session(consume, [b"ab", b"c", b"def"])
    assert reading.ok and reading.items == [b"ab", b"c", b"def"]
    assert reading.taken == 6 and reading.empty_reads == 1


def test_the_counting_socket_counts_recv_recv_into_and_empty_reads():
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(2)
        with CountingSocket(socket.AF_INET, socket.SOCK_STREAM) as reader:
            reader.settimeout(2)
            reader.connect(listener.getsockname())
            sender, _ = listener.accept()
            with sender:
                sender.sendall(b"abcdef")
                assert reader.recv(2) == b"ab"
                buffer = bytearray(10)
                assert reader.recv_into(buffer, 4) == 4
                assert reader.recv(0) == b""  # asked for nothing: not an empty read
                assert reader.taken == 6 and reader.empty_reads == 0
                assert reader.wait_taken(6, timeout=0.1)
                assert not reader.wait_taken(7, timeout=0.05)
                sender.shutdown(socket.SHUT_WR)
                assert reader.recv(10) == b"" and reader.recv(10) == b""
                assert reader.empty_reads == 2


def test_the_counting_socket_counts_timeouts_and_a_reading_tells_one_swallowed():
    def swallows(reader, _sender, items):
        reader.settimeout(0.05)
        try:
            reader.recv(10)  # nothing is sent: it times out
        except TimeoutError:
            items.append("carried on")

    def propagates(reader, _sender, _items):
        reader.settimeout(0.05)
        reader.recv(10)

    with ReaderBench() as bench:
        swallowed = bench.session(swallows, close=False)
        raised = bench.session(propagates, close=False)
    assert swallowed.ok and swallowed.timeouts == 1 and swallowed.swallowed_timeout
    assert raised.raised(TimeoutError) and raised.timeouts == 1 and not raised.swallowed_timeout


def test_release_ends_a_wait_at_once():
    with CountingSocket(socket.AF_INET, socket.SOCK_STREAM) as counting:
        releaser = threading.Timer(0.05, counting.release)
        releaser.start()
        started = time.perf_counter()
        assert not counting.wait_taken(1, timeout=30)
        assert time.perf_counter() - started < 20  # woken by release, not by the timeout
        releaser.join()


def test_a_reader_that_spins_after_close_is_stopped_and_leaves_no_thread(capsys, quick):
    def spins(sock, bufsize=4096, max_line=1000):
        buffer = b""
        while True:
            buffer += sock.recv(bufsize)  # b"" for ever once the peer has closed
            while b"\n" in buffer:
                line, _, buffer = buffer.partition(b"\n")
                yield line.decode()

    report = check_read_lines(spins)
    out = capsys.readouterr().out
    assert "did not finish within 0.5 s" in out and "kept calling recv()" in out
    assert out.count("not tried, fix the case above first") == len(report.results) - 1
    assert not check_threads()


def test_a_loop_that_swallows_every_error_is_interrupted(capsys, quick):
    def stubborn(sock, max_size=1_000_000):
        while True:  # neither a shut-down socket nor a closed one ends this loop
            try:
                sock.recv(4)
            except Exception:  # noqa: BLE001 - the student's mistake
                pass

    check_read_frame(stubborn)
    assert "did not finish within 0.5 s" in capsys.readouterr().out
    assert not check_threads()


def test_a_reader_that_retries_after_a_timeout_is_told_to_let_it_propagate(capsys):
    # Not ``quick``: the sweep needs its own deadline on a loaded machine; this reader hangs only in
    # the pause case, which the deadline ends (3 s).
    def retries(sock, bufsize=4096, max_line=1000):
        buffer = b""
        while True:
            while b"\n" in buffer:
                line, _, buffer = buffer.partition(b"\n")
                if len(line) > max_line:
                    raise ValueError("line too long")
                yield line.decode("utf-8")
            if len(buffer) > max_line:
                raise ValueError("line too long")
            try:
                data = sock.recv(bufsize)
            except TimeoutError:
                continue  # the pause case sends nothing more until recv() gave up: this waits for ever
            if not data:
                if buffer:
                    yield buffer.decode("utf-8")
                return
            buffer += data

    report = check_read_lines(retries)
    out = capsys.readouterr().out
    [pause] = [result for result in report.results if result.what.startswith("a pause ends no line")]
    assert not pause.ok and "did not finish within" in pause.what, out
    assert "recv() raised TimeoutError and your reader carried on" in pause.hint, out
    assert not check_threads()


def test_a_check_restores_what_it_touched(capsys):
    timeout, hook = socket.getdefaulttimeout(), threading.excepthook
    assert check_read_lines(right_lines).passed
    assert socket.getdefaulttimeout() == timeout and threading.excepthook is hook
    assert not check_threads()


def test_an_error_in_a_readers_own_thread_is_not_printed(capsys):
    def with_a_thread(sock, bufsize=4096, max_line=1000):
        failing = threading.Thread(target=lambda: 1 / 0)
        failing.start()
        failing.join()  # the error is raised while the check watches
        yield from right_lines(sock, bufsize, max_line)

    check_read_lines(with_a_thread)
    out, err = capsys.readouterr()
    assert not err and "Traceback" not in out


# ---------------------------------------------------------------- the texts


def test_example_chunkings_cut_the_same_bytes():
    rows = example_chunkings()
    data = LINE_TEXT.encode()
    assert all(b"".join(chunks) == data for chunks in rows.values())
    assert len(rows["one byte per recv"]) == len(data)
    first, _second = rows["cut inside 'ü'"]
    with pytest.raises(UnicodeDecodeError):
        first.decode("utf-8")


def test_the_sweep_text_is_longer_than_the_largest_recv_size():
    assert len(SWEEP_TEXT.encode()) > MAX_BUFSIZE
    assert SWEEP_TEXT.endswith("\n") and "\n\n" in SWEEP_TEXT  # it has empty lines too


# ---------------------------------------------------------------- the gallery


def solution_code(notebook: str, defines: str) -> str:
    """The code between the solution markers of the notebook's cell that defines ``defines``."""
    import nbformat

    from tests.test_wrong_solutions import GALLERY

    nb = nbformat.read(GALLERY.parent.parent / "notebooks" / notebook, as_version=4)
    for cell in nb.cells:
        if "### BEGIN SOLUTION" in cell.source and f"def {defines}(" in cell.source:
            return cell.source.split("### BEGIN SOLUTION\n")[1].split("### END SOLUTION")[0]
    raise LookupError(f"no solution cell defines {defines} in {notebook}")


@pytest.mark.parametrize("exercise", ["read_lines", "read_frame"])
def test_the_gallerys_right_solution_is_the_notebooks(exercise):
    from tests.test_wrong_solutions import GALLERY

    code = solution_code("06-byte-streams.ipynb", exercise)
    assert code.strip() and code in (GALLERY / exercise / "right.py").read_text(encoding="utf-8")

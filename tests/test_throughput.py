"""sockutil.throughput: every byte arrives intact, the calls are counted right, and nothing hangs or leaks.

No test here asserts a speed: speeds depend on the machine and its load.
They assert byte counts, digests, call counts, and that a transfer bounded
by time stops by itself (the byte bound was far out of reach).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import textwrap
import threading

import pytest

from sockutil import throughput
from sockutil.throughput import (
    METHODS, SOURCE, Transfer, TransferError, calls_needed, stream_digest, sweep, transfer, write_syscalls,
)

LINUX = sys.platform.startswith("linux")


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("size", [1, 1000, 4096, 1 << 20])
def test_every_byte_arrives_intact_in_counted_calls(method, size):
    nbytes = 3 * (1 << 20) + 5 if size >= 4096 else 20_000  # more than one pass over SOURCE, and a short last call
    result = transfer(method, size, max_bytes=nbytes, max_seconds=60, verify=True)
    assert result.intact is True
    assert result.sent == result.received == nbytes
    assert result.method == method and result.buffer_size == size
    if method == "send":
        assert result.calls >= result.calls_needed  # send may take part of a buffer
    else:
        assert result.calls == calls_needed(nbytes, size)  # one call per buffer
    assert result.recv_calls >= 1 and result.seconds > 0


@pytest.mark.parametrize("size", [4, 64, 65536])
def test_sendall_makes_exactly_one_call_per_buffer(size):
    nbytes = 200 * size + 3  # 200 full buffers and a short last one
    result = transfer("sendall", size, max_bytes=nbytes, max_seconds=60)
    assert result.calls == result.calls_needed == 201
    assert result.intact is None  # not verified: no digest computed


def test_a_corrupted_byte_shows_in_the_digest(monkeypatch):
    """The digest check can fail: the receiver hashes what really arrived."""
    real_receive = throughput._receive

    def flip_one(sock, verify):
        received, calls, digest = real_receive(sock, verify)
        return received, calls, hashlib.sha256(b"not what was sent").digest()

    monkeypatch.setattr(throughput, "_receive", flip_one)
    assert transfer("sendall", 4096, max_bytes=100_000, max_seconds=60, verify=True).intact is False


def test_the_stream_digest_covers_repeats_of_the_source():
    nbytes = 2 * len(SOURCE) + 5
    assert stream_digest(nbytes) == hashlib.sha256(SOURCE + SOURCE + SOURCE[:5]).digest()
    assert stream_digest(0) == hashlib.sha256(b"").digest()


def test_the_time_bound_ends_a_transfer_long_before_its_byte_bound():
    result = transfer("send", 1, max_bytes=10**12, max_seconds=0.05)
    assert 0 < result.sent < 10**12
    assert result.calls == result.sent  # one byte per call


def test_a_receiver_in_a_process_of_its_own_gets_every_byte():
    result = transfer("sendall", 1 << 16, max_bytes=(1 << 20) + 3, max_seconds=60, verify=True,
                      receiver="process")
    assert result.intact is True and result.receiver == "process"
    assert result.received == (1 << 20) + 3


def test_a_receiver_that_fails_ends_the_sender_with_an_error_and_no_thread_is_left(monkeypatch):
    """The sender blocks once the buffers are full; the failing receiver's close must wake it."""
    started = threading.Event()

    def fail(sock, verify):
        started.set()
        raise RuntimeError("the receiver broke")

    monkeypatch.setattr(throughput, "_receive", fail)
    with pytest.raises(TransferError, match="the sendall transfer broke off") as caught:
        transfer("sendall", 1 << 20, max_bytes=1 << 30, max_seconds=60)
    assert started.is_set()
    assert isinstance(caught.value.__cause__, RuntimeError)
    assert not [t for t in threading.enumerate() if t.name.startswith("sockutil:throughput")]


def test_a_receiver_process_that_never_connects_is_an_error_not_a_hang(monkeypatch):
    monkeypatch.setattr(throughput, "REPORT_TIMEOUT", 0.5)
    real_popen = subprocess.Popen

    def silent(command, **kwargs):  # a "receiver" that starts and never connects
        return real_popen([sys.executable, "-c", "import time; time.sleep(30)"], **kwargs)

    monkeypatch.setattr(throughput.subprocess, "Popen", silent)
    with pytest.raises(TransferError, match="did not connect"):
        transfer("sendall", 1024, max_bytes=1024, receiver="process")


@pytest.mark.parametrize("arguments, words", [
    ({"method": "write"}, "method must be one of send, sendall, sendfile"),
    ({"buffer_size": 0}, "buffer_size must be a whole number of bytes from 1 to 1048576"),
    ({"buffer_size": (1 << 20) + 1}, "from 1 to 1048576"),
    ({"buffer_size": 2.5}, "not 2.5"),
    ({"max_bytes": 0}, "max_bytes must be"),
    ({"max_seconds": 0}, "max_seconds must be a positive number"),
    ({"receiver": "fork"}, "receiver must be 'thread' or 'process'"),
])
def test_bad_arguments_get_a_clear_error(arguments, words):
    with pytest.raises(ValueError, match=words.replace("(", r"\(")):
        transfer(**arguments)


def test_a_sweep_has_a_point_per_method_and_size_and_keeps_each_point_s_fastest(monkeypatch):
    speeds = iter([1.0, 5.0, 2.0, 3.0, 4.0, 1.0, 9.0, 9.0])  # seconds per run, in call order

    def fake(method, size, **bounds):
        return Transfer(method, size, 100, 100, next(speeds), 1, 1)

    monkeypatch.setattr(throughput, "transfer", fake)
    results = sweep(["send", "sendall"], [1, 4], repeat=2)
    assert [(t.method, t.buffer_size) for t in results] == [("send", 1), ("send", 4), ("sendall", 1), ("sendall", 4)]
    assert [t.seconds for t in results] == [1.0, 1.0, 2.0, 3.0]  # the fastest of the two rounds
    with pytest.raises(ValueError, match="repeat must be at least 1"):
        sweep(repeat=0)
    with pytest.raises(ValueError, match="buffer_size"):
        sweep(sizes=[0])


def test_a_real_sweep_counts_every_call():
    results = sweep(["sendall", "sendfile"], [1, 4096], max_bytes=50_000, max_seconds=30)
    assert [(t.method, t.buffer_size) for t in results] == [
        ("sendall", 1), ("sendall", 4096), ("sendfile", 1), ("sendfile", 4096)]
    for result in results:
        assert result.sent == result.received == 50_000
        assert result.calls == calls_needed(50_000, result.buffer_size)


def test_transfer_properties():
    result = Transfer("send", 1024, 2_000_000, 2_000_000, 0.5, 2000, 10)
    assert result.bytes_per_second == 4_000_000
    assert result.gbit_per_second == pytest.approx(0.032)
    assert result.seconds_per_call == pytest.approx(0.00025)
    assert result.calls_needed == 1954
    assert Transfer("send", 1, 0, 0, 0.0, 0, 0).seconds_per_call == float("inf")


@pytest.mark.skipif(not LINUX, reason="/proc/thread-self/io is Linux's")
def test_linux_counts_each_sendfile_and_each_write_but_not_send():
    assert isinstance(write_syscalls(), int)
    result = transfer("sendfile", 4096, max_bytes=40 * 4096, max_seconds=60)
    assert result.kernel_writes == result.calls == 40
    assert transfer("send", 4096, max_bytes=40 * 4096, max_seconds=60).kernel_writes == 0
    reader, writer = os.pipe()
    try:
        before = write_syscalls()
        for _ in range(25):
            os.write(writer, b"x")
        assert write_syscalls() - before == 25
    finally:
        os.close(reader)
        os.close(writer)


def test_off_linux_the_kernel_count_is_none(monkeypatch):
    def no_proc(*args, **kwargs):
        raise FileNotFoundError("/proc/thread-self/io")

    monkeypatch.setattr(throughput, "open", no_proc, raising=False)  # the module's own open()
    assert write_syscalls() is None


#: A socket with a timeout, then one without, each sending 50 single bytes; strace counts poll and sendto.
_POLL_SCRIPT = textwrap.dedent("""
    import os, socket
    listener = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(listener.getsockname())
    server, _ = listener.accept()
    client.settimeout(5)
    os.write(2, b"MARK timeout\\n")
    for _ in range(50):
        client.send(b"x")
    client.settimeout(None)
    os.write(2, b"MARK blocking\\n")
    for _ in range(50):
        client.send(b"x")
    os.write(2, b"MARK end\\n")
""")


def test_a_timeout_costs_a_poll_before_every_send_which_is_why_the_sender_has_none(tmp_path):
    """The module's docstring says so; strace shows it (skipped where strace is missing or not allowed)."""
    strace = shutil.which("strace")
    if strace is None:
        pytest.skip("strace is not installed (sudo apt-get install strace)")
    script = tmp_path / "sends.py"
    script.write_text(_POLL_SCRIPT, encoding="utf-8")
    log = tmp_path / "strace.log"
    run = subprocess.run([strace, "-o", str(log), "-e", "trace=poll,sendto,write", sys.executable, str(script)],
                         capture_output=True, text=True, timeout=60)
    if run.returncode != 0 and "ptrace" in run.stderr:
        pytest.skip("strace may not trace here (ptrace is not allowed)")
    assert run.returncode == 0, run.stderr
    sections: dict[str, list[str]] = {}
    current = None
    for line in log.read_text(encoding="utf-8").splitlines():
        if "MARK " in line and line.startswith("write("):
            current = line.split("MARK ")[1].split("\\n")[0]
            continue
        if current is not None:
            sections.setdefault(current, []).append(line.split("(")[0])
    assert sections["timeout"].count("sendto") == 50 and sections["timeout"].count("poll") == 50
    assert sections["blocking"].count("sendto") == 50 and sections["blocking"].count("poll") == 0


def test_the_receiver_command_line_explains_itself():
    run = subprocess.run([sys.executable, "-m", "sockutil.throughput"], capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 1
    assert "usage: python -m sockutil.throughput PORT [--verify]" in run.stderr
    assert "Traceback" not in run.stderr

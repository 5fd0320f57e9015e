"""Bulk transfers over loopback: how many bytes a second, and how many calls it took.

Theory of operation
-------------------
Why are small writes slow? Each ``send`` is a system call: the program stops,
the CPU switches into the kernel, the kernel checks its arguments, takes the
socket's lock, copies the bytes into the send buffer and returns. All of that
costs about the same for 1 byte as for 1000, so with tiny writes the time goes
on the calls, not on the bytes. ``transfer`` measures it: one sender, one
receiver, a connection on 127.0.0.1, and a buffer size for the sender's
writes. ``sweep`` repeats it for several sizes and methods.

* **The sender** is the calling thread. It writes the stream in calls of at
  most ``buffer_size`` bytes with one of three methods: ``send`` (one system
  call each, and it may take fewer bytes than offered: the loop sends the
  rest in the next call), ``sendall`` (a loop inside CPython until all of the
  buffer is gone) or ``socket.sendfile`` (the kernel copies from a file:
  here an in-memory file, ``os.memfd_create`` where Linux has it). It stops
  at ``max_bytes`` or ``max_seconds``, whichever comes first, so a sweep is
  bounded in time however slow the tiny writes are. It counts its calls.
* **The sender's socket has no timeout**, on purpose: with one, CPython calls
  ``poll()`` before every ``send``, a second system call per write. Nothing
  hangs: the receiver's waits have a timeout, and its closing makes a sender
  blocked in ``send`` fail at once.
* **The receiver** reads into one buffer allocated once (``recv_into`` into a
  ``memoryview``): no new ``bytes`` object per call, so its own cost stays
  small. It runs in a thread of this process (named ``sockutil:throughput:...``),
  or in a process of its own (``receiver="process"``) so that sender and
  receiver never share Python's interpreter lock. Its read size is fixed
  (``RECEIVE_BUFFER``): only the sender's write size varies. It reads the
  way iperf3 does, and a little better (see ``_receive``).
* **The clock** runs from the sender's first call until the receiver's report
  arrives: after the sender's ``shutdown(SHUT_WR)`` the receiver reads until
  the end of the stream, then answers with the byte count, its number of
  ``recv_into`` calls and, with ``verify=True``, the SHA-256 digest of all it
  received. The sender compares it with the digest of what it sent, so a
  transfer proves that every byte arrived intact, in order. Hashing costs
  time, so measurements leave it off.
* **The stream** is ``SOURCE`` (1 MiB of seeded pseudo-random bytes) repeated.
  Every call starts where the last one ended and never wraps past the end of
  ``SOURCE``, so with a buffer size that divides 1 MiB (any power of two up
  to it) every full call carries exactly ``buffer_size`` bytes.

Figures measured this way vary from run to run and machine to machine; ratios far less.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import random
import selectors
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import BinaryIO, Iterable, Sequence

__all__ = [
    "BUFFER_SIZES", "METHODS", "RECEIVE_BUFFER", "SOURCE", "Transfer", "TransferError",
    "calls_needed", "stream_digest", "sweep", "transfer", "write_syscalls",
]

#: The three ways the sender writes.
METHODS = ("send", "sendall", "sendfile")

#: Bytes of the repeated source: the largest buffer a transfer may use, and a power of two,
#: so that every smaller power of two divides it and every call carries a full buffer.
SOURCE_SIZE = 1 << 20

#: Seed of the source's pseudo-random bytes: the same stream in every run.
SOURCE_SEED = 11

#: The stream's repeating unit: seeded random bytes, so a byte out of place changes the digest.
SOURCE = random.Random(SOURCE_SEED).randbytes(SOURCE_SIZE)

#: Buffer sizes of a sweep: 1 B to 1 MiB in steps of 4, evenly spaced on a log scale.
BUFFER_SIZES = tuple(4 ** k for k in range(11))

#: Bytes the receiver asks for in each ``recv_into``: as large as the largest write.
RECEIVE_BUFFER = 1 << 20

#: Bytes that must be waiting before the receiver is woken (SO_RCVLOWAT): a quarter of its buffer.
WAKE_AT = RECEIVE_BUFFER // 4

#: Seconds the receiver waits for bytes before it gives up and closes (which wakes the sender).
RECEIVE_TIMEOUT = 5.0

#: Seconds to wait for the receiver's report, or for a receiver process to start and connect.
REPORT_TIMEOUT = 10.0

#: The receiver's report: bytes received, ``recv_into`` calls, SHA-256 digest (zeros if not verifying).
REPORT = struct.Struct("!QQ32s")

#: What one transfer sends at most, unless told otherwise: 256 MiB (its time bound usually ends it first).
DEFAULT_MAX_BYTES = 256 << 20


class TransferError(RuntimeError):
    """The transfer broke off: the receiver or the sender failed. The cause is chained."""


@dataclass(frozen=True)
class Transfer:
    """One measured transfer.

    ``calls`` counts the sender's calls of its method; ``recv_calls`` the
    receiver's ``recv_into`` calls that returned bytes. ``intact`` is None
    unless the transfer was verified. ``kernel_writes`` is what Linux counted
    as the sending thread's write-type system calls meanwhile (see
    ``write_syscalls``): one per ``sendfile`` system call, none for ``send``;
    None where the kernel does not tell.
    """

    method: str
    buffer_size: int
    sent: int
    received: int
    seconds: float
    calls: int
    recv_calls: int
    receiver: str = "thread"
    intact: bool | None = None
    kernel_writes: int | None = None

    @property
    def bytes_per_second(self) -> float:
        return self.received / self.seconds if self.seconds > 0 else 0.0

    @property
    def gbit_per_second(self) -> float:
        """Throughput in Gbit/s (10**9 bits a second), as iperf3 reports it."""
        return self.bytes_per_second * 8 / 1e9

    @property
    def seconds_per_call(self) -> float:
        return self.seconds / self.calls if self.calls else math.inf

    @property
    def calls_needed(self) -> int:
        """The fewest calls that could have sent ``sent`` bytes in buffers of ``buffer_size``."""
        return calls_needed(self.sent, self.buffer_size)


def calls_needed(nbytes: int, buffer_size: int) -> int:
    """⌈nbytes / buffer_size⌉: one call per buffer, and one more for a last, shorter one."""
    return -(-nbytes // buffer_size)


def stream_digest(nbytes: int) -> bytes:
    """SHA-256 of the first ``nbytes`` of the stream (``SOURCE`` repeated)."""
    digest = hashlib.sha256()
    whole, rest = divmod(nbytes, len(SOURCE))
    for _ in range(whole):
        digest.update(SOURCE)
    digest.update(SOURCE[:rest])
    return digest.digest()


def write_syscalls() -> int | None:
    """The calling thread's count of write-type system calls, as Linux counts them; None elsewhere.

    It is ``syscw`` in ``/proc/thread-self/io``. Linux counts ``write``,
    ``writev``, ``sendfile`` and their kin there, but not ``send``/``sendto``:
    Linux keeps no count of those at all.
    """
    try:
        with open("/proc/thread-self/io", encoding="ascii") as io:
            for line in io:
                if line.startswith("syscw:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


# ---------------------------------------------------------------- receiving
def _receive(sock: socket.socket, verify: bool) -> tuple[int, int, bytes]:
    """Read until the end of the stream into one buffer; return (bytes, calls, digest).

    Non-blocking reads, waiting in ``select`` (with a timeout) only when one finds nothing, as iperf3
    does (blocking 1 MiB reads measured a sixth slower here; a Python timeout adds a ``poll()`` per
    read), and ``SO_RCVLOWAT`` (Linux): woken once ``WAKE_AT`` bytes wait, or at the end: fuller reads.
    """
    buffer = memoryview(bytearray(RECEIVE_BUFFER))
    digest = hashlib.sha256() if verify else None
    received = calls = 0
    sock.setblocking(False)
    with contextlib.suppress(AttributeError, OSError):   # where the system has no such option
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT, WAKE_AT)
    with selectors.DefaultSelector() as selector:
        selector.register(sock, selectors.EVENT_READ)
        while True:
            try:
                count = sock.recv_into(buffer)
            except BlockingIOError:
                if not selector.select(RECEIVE_TIMEOUT):
                    raise TimeoutError(f"no bytes for {RECEIVE_TIMEOUT:g} s") from None
                continue
            if not count:
                break
            received += count
            calls += 1
            if digest is not None:
                digest.update(buffer[:count])
    return received, calls, digest.digest() if digest is not None else bytes(32)


def _serve_one(sock: socket.socket, verify: bool, failure: list[BaseException]) -> None:
    """The receiver's whole life: receive, report, close (the close also wakes a blocked sender)."""
    try:
        received, calls, digest = _receive(sock, verify)
        sock.settimeout(RECEIVE_TIMEOUT)
        sock.sendall(REPORT.pack(received, calls, digest))
    except BaseException as error:  # noqa: BLE001 - recorded, raised in the caller's thread
        failure.append(error)
    finally:
        sock.close()


def _receiver_process(port: int, verify: bool) -> int:
    """``python -m sockutil.throughput PORT [--verify]``: connect to the sender, then receive."""
    with socket.create_connection(("127.0.0.1", port), timeout=REPORT_TIMEOUT) as sock:
        failure: list[BaseException] = []
        _serve_one(sock, verify, failure)
    return 1 if failure else 0


# ------------------------------------------------------------------ sending
def _source_file() -> BinaryIO:
    """``SOURCE`` in a file for ``sendfile``: in memory where Linux offers memfd, else a temporary file."""
    if hasattr(os, "memfd_create"):
        file = os.fdopen(os.memfd_create("sockutil-throughput"), "w+b")
    else:
        file = tempfile.TemporaryFile()
    file.write(SOURCE)
    file.flush()
    return file


def _send_stream(sock: socket.socket, method: str, buffer_size: int, max_bytes: int,
                 max_seconds: float, file: BinaryIO | None) -> tuple[int, int, float]:
    """Write the stream until ``max_bytes`` or ``max_seconds``; return (bytes, calls, start time)."""
    source = memoryview(SOURCE)
    sent = calls = 0
    started = time.perf_counter()
    deadline = started + max_seconds
    while sent < max_bytes and time.perf_counter() < deadline:
        offset = sent % SOURCE_SIZE
        size = min(buffer_size, SOURCE_SIZE - offset, max_bytes - sent)
        if method == "send":
            sent += sock.send(source[offset:offset + size])
        elif method == "sendall":
            sock.sendall(source[offset:offset + size])
            sent += size
        else:
            sent += sock.sendfile(file, offset, size)  # type: ignore[arg-type]
        calls += 1
    return sent, calls, started


def _check_arguments(method: str, buffer_size: int, max_bytes: int, max_seconds: float,
                     receiver: str) -> None:
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    if not isinstance(buffer_size, int) or not 1 <= buffer_size <= SOURCE_SIZE:
        raise ValueError(f"buffer_size must be a whole number of bytes from 1 to {SOURCE_SIZE}, "
                         f"not {buffer_size!r}")
    if not isinstance(max_bytes, int) or max_bytes < 1:
        raise ValueError(f"max_bytes must be a whole number of bytes, at least 1, not {max_bytes!r}")
    if not max_seconds > 0:
        raise ValueError(f"max_seconds must be a positive number of seconds, not {max_seconds!r}")
    if receiver not in ("thread", "process"):
        raise ValueError(f"receiver must be 'thread' or 'process', not {receiver!r}")


class _Receiver:
    """The other end: a thread of this process, or a process of its own; stopped on every path."""

    def __init__(self, kind: str, verify: bool) -> None:
        self.kind = kind
        self.failure: list[BaseException] = []
        self.thread: threading.Thread | None = None
        self.process: subprocess.Popen | None = None
        self.sock: socket.socket | None = None
        with socket.create_server(("127.0.0.1", 0)) as listener:
            listener.settimeout(REPORT_TIMEOUT)
            port = listener.getsockname()[1]
            if kind == "process":
                command = [sys.executable, "-m", "sockutil.throughput", str(port)]
                self.process = subprocess.Popen(command + (["--verify"] if verify else []),
                                                stdin=subprocess.DEVNULL)
                try:
                    self.sock, _ = listener.accept()
                except TimeoutError:
                    self.stop()
                    raise TransferError(f"the receiver process did not connect within "
                                        f"{REPORT_TIMEOUT:g} s") from None
                except BaseException:
                    self.stop()
                    raise
                return
            self.sock = socket.create_connection(("127.0.0.1", port), timeout=REPORT_TIMEOUT)
            try:
                peer, _ = listener.accept()
            except BaseException:
                self.sock.close()
                raise
        self.thread = threading.Thread(target=_serve_one, args=(peer, verify, self.failure),
                                       name="sockutil:throughput:receiver", daemon=True)
        try:
            self.thread.start()
        except BaseException:
            self.thread = None
            peer.close()
            self.stop()
            raise

    def stop(self) -> None:
        """Close our end (which ends the receiver) and wait for it; kill a receiver process that lingers."""
        if self.sock is not None:
            self.sock.close()
        if self.thread is not None:
            self.thread.join(RECEIVE_TIMEOUT + REPORT_TIMEOUT)
        if self.process is not None:
            try:
                self.process.wait(REPORT_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def transfer(method: str = "sendall", buffer_size: int = RECEIVE_BUFFER, *,
             max_bytes: int = DEFAULT_MAX_BYTES, max_seconds: float = 0.5,
             verify: bool = False, receiver: str = "thread") -> Transfer:
    """Send the stream over a new loopback connection in writes of ``buffer_size`` bytes; measure it.

    ``method`` is ``"send"``, ``"sendall"`` or ``"sendfile"``. The sender
    stops after ``max_bytes`` bytes or ``max_seconds`` seconds, whichever
    comes first. ``verify=True`` compares SHA-256 digests of what was sent
    and what arrived (slower). ``receiver="process"`` receives in a process
    of its own instead of a thread. Raises ``TransferError`` if the transfer
    breaks off, and ``ValueError`` for arguments it cannot use.
    """
    _check_arguments(method, buffer_size, max_bytes, max_seconds, receiver)
    file = _source_file() if method == "sendfile" else None
    other = None
    try:
        other = _Receiver(receiver, verify)
        sock = other.sock
        sock.settimeout(None)  # blocking: see the module's docstring (no poll() before each send)
        try:
            writes_before = write_syscalls()
            sent, calls, started = _send_stream(sock, method, buffer_size, max_bytes, max_seconds, file)
            writes_after = write_syscalls()
            sock.shutdown(socket.SHUT_WR)
            sock.settimeout(REPORT_TIMEOUT)
            report = _recv_report(sock)
        except OSError as error:
            raise TransferError(f"the {method} transfer broke off: {error}") from (
                other.failure[0] if other.failure else error)
        ended = time.perf_counter()
    finally:
        if other is not None:
            other.stop()
        if file is not None:
            file.close()
    received, recv_calls, digest = REPORT.unpack(report)
    if received != sent:
        raise TransferError(f"the receiver counted {received} bytes, the sender sent {sent}")
    intact = digest == stream_digest(sent) if verify else None
    kernel_writes = None if writes_before is None or writes_after is None else writes_after - writes_before
    return Transfer(method, buffer_size, sent, received, ended - started, calls, recv_calls,
                    receiver, intact, kernel_writes)


def _recv_report(sock: socket.socket) -> bytes:
    report = bytearray()
    while len(report) < REPORT.size and (chunk := sock.recv(REPORT.size - len(report))):
        report += chunk
    if len(report) == REPORT.size:
        return bytes(report)
    raise ConnectionError("the receiver closed without its report")


def sweep(methods: Sequence[str] = METHODS, sizes: Iterable[int] = BUFFER_SIZES, *,
          max_bytes: int = 64 << 20, max_seconds: float = 0.03, repeat: int = 1) -> list[Transfer]:
    """``transfer`` for every method and buffer size, each bounded by ``max_bytes`` and ``max_seconds``.

    With ``repeat`` > 1 the whole sweep runs that many times, one after the
    other, and each point keeps its fastest run: a point that another program
    slowed down in one sweep is likely to get a fair chance in another. The
    defaults keep a sweep of the 3 methods and 11 sizes to a second or two.
    """
    sizes = list(sizes)
    if repeat < 1:
        raise ValueError(f"repeat must be at least 1, not {repeat!r}")
    points = [(method, size) for method in methods for size in sizes]
    for method, size in points:
        _check_arguments(method, size, max_bytes, max_seconds, "thread")
    best: dict[tuple[str, int], Transfer] = {}
    for _ in range(repeat):
        for point in points:
            result = transfer(*point, max_bytes=max_bytes, max_seconds=max_seconds)
            if point not in best or result.bytes_per_second > best[point].bytes_per_second:
                best[point] = result
    return [best[point] for point in points]


if __name__ == "__main__":
    arguments = sys.argv[1:]
    if not arguments or not arguments[0].isdigit():
        sys.exit("usage: python -m sockutil.throughput PORT [--verify]  (the receiving end of transfer())")
    sys.exit(_receiver_process(int(arguments[0]), "--verify" in arguments[1:]))

"""The notebook 09 check meets a key-value server with awkward clients and says what works, in words."""

from __future__ import annotations

import contextlib
import socket
import threading
import time

import pytest

from sockutil.checks import lab
from sockutil.checks.lab import check_kv_server, serving
from sockutil.clients import recv_until_closed

# The notebook's worked solution (a copy), then broken variants of it.

MAX_LINE = 1024
MAX_VALUE = 64 * 1024
IDLE_TIMEOUT = 1.0


class ProtocolError(Exception):
    """The client broke the framing: answer ERROR and hang up, we cannot find its next command."""


class Peer:
    """One client's socket, and the bytes received from it but not used yet."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = bytearray()

    def _receive(self) -> bool:
        """One recv() into the buffer; False once the client has closed."""
        data = self.sock.recv(4096)   # TimeoutError after idle_timeout of silence
        self.buffer += data
        return bool(data)

    def line(self) -> bytes | None:
        """The next line without its newline; None if the client closed (mid-line or not)."""
        while True:
            end = self.buffer.find(b"\n")
            if end > MAX_LINE or (end < 0 and len(self.buffer) > MAX_LINE):
                raise ProtocolError(f"line longer than {MAX_LINE} bytes")
            if end >= 0:
                line = bytes(self.buffer[:end])
                del self.buffer[: end + 1]
                return line.removesuffix(b"\r")
            if not self._receive():
                return None

    def exactly(self, n: int) -> bytes | None:
        """The next n bytes; None if the client closed before sending them all."""
        while len(self.buffer) < n:
            if not self._receive():
                return None
        value = bytes(self.buffer[:n])
        del self.buffer[:n]
        return value


def run_command(line: bytes, peer: Peer, store: dict, lock: threading.Lock) -> bytes | None:
    """The reply to one command line; None if the client left in the middle of a SET."""
    try:
        words = line.decode("utf-8").split(" ")
    except UnicodeDecodeError:
        return b"ERROR not UTF-8\n"
    command, args = words[0], words[1:]
    if command not in ("SET", "GET", "DEL"):
        return b"ERROR unknown command\n"
    if len(args) != (2 if command == "SET" else 1) or "" in args:
        return b"ERROR wrong number of arguments\n"
    key = args[0]
    if command == "GET":
        with lock:
            value = store.get(key)
        return b"NOT_FOUND\n" if value is None else b"VALUE %d\n" % len(value) + value
    if command == "DEL":
        with lock:
            found = store.pop(key, None) is not None
        return b"DELETED\n" if found else b"NOT_FOUND\n"
    length = args[1]
    if not (length.isascii() and length.isdigit()):
        return b"ERROR length is not a number\n"
    if int(length) > MAX_VALUE:
        raise ProtocolError(f"value longer than {MAX_VALUE} bytes")   # do not wait for it
    value = peer.exactly(int(length))
    if value is None:
        return None                   # cut off: store nothing
    with lock:
        store[key] = value
    return b"OK\n"


def serve_client(sock: socket.socket, store: dict, lock: threading.Lock, idle_timeout: float) -> None:
    """Answer one client's commands until it closes, resets, breaks the framing or falls silent."""
    peer = Peer(sock)
    with sock:
        sock.settimeout(idle_timeout)  # a silent client: recv raises TimeoutError
        try:
            while (line := peer.line()) is not None:
                if not line:
                    continue           # an empty line: ignore it (handy with nc)
                reply = run_command(line, peer, store, lock)
                if reply is None:
                    break
                sock.sendall(reply)
        except ProtocolError as error:
            with contextlib.suppress(OSError):
                sock.sendall(f"ERROR {error}\n".encode())
        except OSError:                # silent too long, reset, stopped by serve_kv
            pass


def serve_kv(listener: socket.socket, stop: threading.Event, idle_timeout: float = IDLE_TIMEOUT) -> None:
    """The key-value service: a thread per client, one shared store, until stop is set."""
    store, lock = {}, threading.Lock()
    clients = {}                      # worker thread -> its client's socket
    listener.settimeout(0.1)          # look at `stop` every 0.1 s
    while not stop.is_set():
        try:
            sock, _ = listener.accept()
        except TimeoutError:
            continue
        worker = threading.Thread(target=serve_client, args=(sock, store, lock, idle_timeout),
                                  daemon=True)
        worker.start()
        clients = {t: s for t, s in clients.items() if t.is_alive()}
        clients[worker] = sock
    for worker, sock in clients.items():   # stopping: wake every worker blocked in recv
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        worker.join(timeout=1)


def passes(out: str) -> bool:
    return "all 20 checks passed" in out and "✘" not in out


def test_the_worked_solution_passes(capsys):
    started = time.monotonic()
    check_kv_server(serve_kv)
    out = capsys.readouterr().out
    assert passes(out), out
    assert time.monotonic() - started < 5


def test_serving_runs_the_server_for_a_hand_made_client():
    with serving(serve_kv) as port:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
            sock.sendall(b"SET greeting 5\nhelloGET greeting\n")
            sock.shutdown(socket.SHUT_WR)
            assert recv_until_closed(sock) == b"OK\nVALUE 5\nhello"


def test_serving_raises_what_the_server_raised():
    def stub(listener, stop, idle_timeout):
        raise NotImplementedError("write serve_kv() first")

    with pytest.raises(RuntimeError, match="your server raised NotImplementedError: write serve_kv"):
        with serving(stub):
            pass


def test_a_raising_stub_is_one_line_in_words(capsys):
    def stub(listener, stop, idle_timeout):
        raise NotImplementedError("write serve_kv() first")

    check_kv_server(stub)
    out = capsys.readouterr().out
    assert out.splitlines()[0] == (
        "✘ serve_kv(listener, stop, idle_timeout): your server raised "
        "NotImplementedError: write serve_kv() first"
    )
    assert "1 of 1 checks failed" in out and "Traceback" not in out


def iterative(listener, stop, idle_timeout):
    store, lock = {}, threading.Lock()
    listener.settimeout(0.1)
    while not stop.is_set():
        try:
            sock, _ = listener.accept()
        except TimeoutError:
            continue
        serve_client(sock, store, lock, idle_timeout)


def test_an_iterative_server_fails_the_concurrent_cases(capsys):
    check_kv_server(iterative)
    out = capsys.readouterr().out
    assert "✘ 8 clients connected at once are all answered" in out
    assert "the client that connected last and sent first: no reply within 1 s" in out
    assert "✘ while one client is silent, others are served" in out
    assert "✔ a command sent in 1-byte pieces" in out


def one_recv_per_command(listener, stop, idle_timeout):
    """The classic mistake: every recv() is taken for one whole command."""
    store = {}

    def client(sock):
        with sock:
            sock.settimeout(idle_timeout)
            try:
                while data := sock.recv(4096):
                    head, _, rest = data.partition(b"\n")
                    words = head.decode("utf-8", "replace").split(" ")
                    if words[0] == "SET" and len(words) == 3:
                        store[words[1]] = rest
                        sock.sendall(b"OK\n")
                    elif words[0] == "GET" and len(words) == 2 and words[1] in store:
                        sock.sendall(b"VALUE %d\n" % len(store[words[1]]) + store[words[1]])
                    elif words[0] in ("GET", "DEL"):
                        sock.sendall(b"NOT_FOUND\n")
                    else:
                        sock.sendall(b"ERROR unknown command\n")
            except OSError:
                pass

    listener.settimeout(0.1)
    while not stop.is_set():
        try:
            sock, _ = listener.accept()
        except TimeoutError:
            continue
        threading.Thread(target=client, args=(sock,), daemon=True).start()


def test_one_recv_per_command_fails_pieces_and_pipelining(capsys):
    check_kv_server(one_recv_per_command)
    out = capsys.readouterr().out
    assert "✘ a command sent in 1-byte pieces" in out
    assert "✘ 6 commands in one send" in out
    assert "hint: one recv() is not one command" in out
    assert "✔ GET of a key never set: NOT_FOUND" in out


def test_no_idle_timeout_leaves_the_silent_client_connected(capsys):
    def no_timeout(listener, stop, idle_timeout):
        serve_kv(listener, stop, None)  # settimeout(None): wait forever

    check_kv_server(no_timeout)
    out = capsys.readouterr().out
    assert "✘ a silent client is disconnected after the idle timeout (1 s): still connected" in out
    assert "✔ while one client is silent, others are served" in out


def test_no_length_checks_fail_the_limit_cases(capsys, monkeypatch):
    monkeypatch.setitem(globals(), "MAX_LINE", 10**9)
    monkeypatch.setitem(globals(), "MAX_VALUE", 10**9)
    check_kv_server(serve_kv)
    out = capsys.readouterr().out
    assert (f"✘ a line longer than MAX_LINE ({lab.MAX_LINE} bytes): an ERROR reply, then the server "
            f"closes: expected an ERROR reply, got b'NOT_FOUND\\n'") in out
    assert ("✘ 2000 bytes with no newline: an ERROR reply at once (not after the idle timeout), "
            "then the server closes: no reply within 0.5 s") in out
    assert "✘ a SET declaring 10 000 000 bytes" in out


def test_an_escaping_unicode_error_is_reported_not_printed(capsys, monkeypatch):
    def careless_decode(line, peer, store, lock):
        line.decode("utf-8")  # raises UnicodeDecodeError, which nobody catches
        return real_run_command(line, peer, store, lock)

    real_run_command = run_command
    monkeypatch.setitem(globals(), "run_command", careless_decode)
    check_kv_server(serve_kv)
    captured = capsys.readouterr()
    assert (
        "✘ bytes that are not UTF-8: an ERROR reply; the connection still works: "
        "the server closed the connection before the reply"
    ) in captured.out
    assert "✘ an exception escaped a thread: UnicodeDecodeError" in captured.out
    assert captured.err == ""


def test_a_server_that_stores_a_cut_off_value_is_caught(capsys, monkeypatch):
    class Sloppy(Peer):
        def exactly(self, n):
            while len(self.buffer) < n:
                if not self._receive():
                    break  # the mistake: keep what did arrive
            value = bytes(self.buffer[:n])
            del self.buffer[:n]
            return value

    monkeypatch.setitem(globals(), "Peer", Sloppy)
    check_kv_server(serve_kv)
    out = capsys.readouterr().out
    assert (
        "✘ clients that close mid-command: nothing stored, others still served: "
        "a SET cut off after 5 of 10 bytes stored something"
    ) in out


def test_the_check_uses_the_notebook_constants():
    assert (lab.MAX_LINE, lab.MAX_VALUE, lab.IDLE_TIMEOUT) == (MAX_LINE, MAX_VALUE, IDLE_TIMEOUT)


def test_a_server_that_answers_error_and_keeps_reading_fails(capsys, monkeypatch):
    class Forgiving(Peer):
        """The mistake: after a broken frame, drop the buffer and carry on reading."""

        def line(self):
            try:
                return super().line()
            except ProtocolError as error:
                self.buffer.clear()
                self.sock.sendall(f"ERROR {error}\n".encode())
                return b""  # an empty line: ignored, and the loop reads on

    def carry_on(line, peer, store, lock):
        try:
            return real_run_command(line, peer, store, lock)
        except ProtocolError as error:
            return f"ERROR {error}\n".encode()  # ... and reads the next line

    real_run_command = run_command
    monkeypatch.setitem(globals(), "Peer", Forgiving)
    monkeypatch.setitem(globals(), "run_command", carry_on)
    check_kv_server(serve_kv)
    out = capsys.readouterr().out
    assert "✘ a line longer than MAX_LINE" in out
    assert "✘ 2000 bytes with no newline" in out
    assert ("✘ a SET declaring 10 000 000 bytes (over MAX_VALUE, 65536): an ERROR reply at once, "
            "then the server closes without reading on: after the ERROR reply the server went on "
            "and answered b'NOT_FOUND\\n'") in out
    assert "after the ERROR reply the server kept the connection open" in out


def test_int_based_length_parsing_fails(capsys, monkeypatch):
    def lenient(line, peer, store, lock):
        words = line.split(b" ")
        if words[0] == b"SET" and len(words) == 3:
            try:
                length = int(words[2])  # the mistake: int() takes "-1", "+5" and "1_0"
            except ValueError:
                return b"ERROR length is not a number\n"
            value = peer.exactly(length) if length >= 0 else b""
            if value is None:
                return None
            with lock:
                store[words[1].decode()] = value
            return b"OK\n"
        return real_run_command(line, peer, store, lock)

    real_run_command = run_command
    monkeypatch.setitem(globals(), "run_command", lenient)
    check_kv_server(serve_kv)
    out = capsys.readouterr().out
    assert "✘ unknown commands, wrong arguments, lengths that are not plain decimal digits" in out
    assert "after b'SET k 1_0\\n'" in out
    assert "(int() also takes '-1', '+5' and '1_0')" in out

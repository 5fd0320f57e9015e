"""No lock, and GET reads the store twice around a sendall: another client's SET or DEL slips in between."""

HINT_WORDS = ('share one dict and a lock', 'read a value once')

import contextlib
import socket
import threading

from sockutil.checks.lab import IDLE_TIMEOUT, MAX_LINE, MAX_VALUE


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


def words_of(line: bytes) -> list[str] | None:
    """The line's words; None unless it is printable UTF-8 text with single spaces between words."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return None
    words = text.split(" ")
    if not text.isprintable() or "" in words:   # a control character, or an empty word
        return None
    return words


def run_command(line: bytes, peer: Peer, store: dict, lock: threading.Lock) -> bytes | None:
    """The reply to one command line; None if the client left in the middle of a SET."""
    words = words_of(line)
    if line.split(b" ")[0] == b"SET":  # a value may follow: if the line is bad, hang up
        if words is None or len(words) != 3:
            raise ProtocolError("malformed SET")
        key, length = words[1], words[2]
        if not (length.isascii() and length.isdigit()):
            raise ProtocolError("length is not a number")
        if int(length) > MAX_VALUE:
            raise ProtocolError(f"value longer than {MAX_VALUE} bytes")   # do not wait for it
        value = peer.exactly(int(length))
        if value is None:
            return None               # cut off: store nothing
        store[key] = value
        return b"OK\n"
    if words is None:
        return b"ERROR malformed line\n"
    if words[0] not in ("GET", "DEL"):
        return b"ERROR unknown command\n"
    if len(words) != 2:
        return b"ERROR wrong number of arguments\n"
    key = words[1]
    if words[0] == "GET":
        if key not in store:
            return b"NOT_FOUND\n"
        peer.sock.sendall(b"VALUE %d\n" % len(store[key]))  # the header first ...
        return store[key]                                     # ... then the value
    if key in store:
        del store[key]
        return b"DELETED\n"
    return b"NOT_FOUND\n"


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
    store, lock = {}, None           # one thread at a time touches a dict anyway
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

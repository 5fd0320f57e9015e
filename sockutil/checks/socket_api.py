"""Self-checks for notebook 05, The socket API.

``check_drain(drain)`` hands the student's ``drain(sock)`` real connections
to servers that send a greeting, a message in small pieces, 300 000 bytes,
or nothing at all, and then close. The socket it passes is the real one,
watched: ``recv`` calls made after ``recv`` has returned ``b""`` are counted,
and a loop that never stops at ``b""`` is ended after a hundred of them
instead of spinning forever.

``check_serve_once(serve_once)`` runs the student's one-shot server in a
background thread and sends real clients at it: one that sends a word and
half-closes, one that sends in pieces, one that sends a lot, one that sends
nothing, one that resets the connection, one that connects and stays silent
without half-closing (the accepted socket's own 1 s timeout must end the
server: the process-wide default timeout the check sets is longer, so a
missing ``conn.settimeout(1.0)`` shows), and none at all (accept must time
out). After each run it tries the port again (a closed listener refuses) and,
at the end, says whether any socket was left for the garbage collector to
close (Python warns about those with a ``ResourceWarning``, which the check
records instead of printing).

Nothing here prints from a thread; each case waits a bounded time.
"""

from __future__ import annotations

import gc
import queue
import socket
import struct
import threading
import time
import warnings
from typing import Callable

from ..handlers import CHUNKY_MESSAGE, HELLO_MESSAGE, make_chunky
from ..servers import Connection, Server
from . import Report, default_timeout, describe_error

__all__ = ["check_drain", "check_serve_once", "MAX_RECVS_AFTER_EOF"]

#: How many more ``recv`` calls a ``drain`` may make after ``recv`` returned
#: ``b""`` before the check ends it. A correct loop makes none; a loop that
#: ignores ``b""`` would make millions a second, since ``b""`` comes back at once.
MAX_RECVS_AFTER_EOF = 100

#: Seconds any single step of a check waits (connect, recv, the student's function).
STEP_TIMEOUT = 2.0

#: Far more than one ``recv`` returns, so only a loop receives it all.
BIG_SIZE = 300_000

#: Pieces a client of ``check_serve_once`` sends apart, and the pause between them (s).
PIECES = (b"one ", b"two ", b"three")
PIECE_PAUSE = 0.05

#: Seconds the silent client of ``check_serve_once`` stays connected, waiting for
#: the server to give up: the 1 s timeout of the accepted socket, and room to
#: spare, but less than the check's default timeout (``STEP_TIMEOUT * 2.5``).
SILENT_PATIENCE = 1.8

#: Names of the threads that run the student's server, so tests can find stragglers.
THREAD_PREFIX = "check-serve-once"


def _describe(error: BaseException) -> str:
    return f"raised {describe_error(error)}"


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# ---------------------------------------------------------------------- drain
class _KeptReading(Exception):
    """Raised into the student's loop once it ignores b'' too often."""


class _WatchedSocket:
    """The real socket, with ``recv`` and ``recv_into`` calls after end-of-stream counted.

    Every other attribute is the real socket's, so the student's code can do
    anything a socket allows.
    """

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self.eof_seen = False
        self.after_eof = 0

    def _before_call(self) -> None:
        if self.eof_seen:
            self.after_eof += 1
            if self.after_eof > MAX_RECVS_AFTER_EOF:
                raise _KeptReading

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        self._before_call()
        data = self._sock.recv(bufsize, flags)
        if not data:
            self.eof_seen = True
        return data

    def recv_into(self, buffer, nbytes: int = 0, flags: int = 0) -> int:
        self._before_call()
        count = self._sock.recv_into(buffer, nbytes, flags)
        if not count and (nbytes or len(buffer)):
            self.eof_seen = True
        return count

    def __getattr__(self, name: str):
        return getattr(self._sock, name)

    def __enter__(self) -> _WatchedSocket:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._sock.close()


def _greeter(conn: Connection) -> None:
    conn.sendall(HELLO_MESSAGE)


def _silent(conn: Connection) -> None:
    """Close at once without sending anything."""


def _big_sender(conn: Connection) -> None:
    conn.sendall(b"0123456789" * (BIG_SIZE // 10))


def check_drain(drain: Callable[[socket.socket], bytes]) -> None:
    """Check ``drain(sock) -> bytes``: it must return every byte until the peer closes."""
    report = Report("drain")
    pieces = -(-len(CHUNKY_MESSAGE) // 4)
    cases = [
        (
            "a server that sends a greeting and closes: drain() returns all of it",
            _greeter,
            HELLO_MESSAGE,
            "call recv() in a loop and join the pieces; stop when it returns b''",
        ),
        (
            f"a message sent in {pieces} pieces, 20 ms apart, comes back whole",
            make_chunky(),
            CHUNKY_MESSAGE,
            "a short chunk is not the end: recv() returns what has arrived so far. "
            "Only b'' means the peer closed",
        ),
        (
            "300 000 bytes come back whole",
            _big_sender,
            b"0123456789" * (BIG_SIZE // 10),
            "one recv() returns at most its buffer size, often less: keep calling it until b''",
        ),
        (
            "a server that closes without sending anything: drain() returns b''",
            _silent,
            b"",
            "here the very first recv() returns b'': return the empty bytes you have",
        ),
    ]
    recvs_after_eof = 0
    with default_timeout(STEP_TIMEOUT):
        for what, handler, expected, hint in cases:
            with Server(handler, name="check-drain", idle_timeout=STEP_TIMEOUT) as server:
                with socket.create_connection(server.address, timeout=STEP_TIMEOUT) as raw:
                    watched = _WatchedSocket(raw)
                    try:
                        got = drain(watched)  # type: ignore[arg-type]
                    except _KeptReading:
                        recvs_after_eof += watched.after_eof
                        report.check(
                            False,
                            f"{what}: recv() was called {MAX_RECVS_AFTER_EOF} more times "
                            f"after it returned b''",
                            "b'' means the peer has closed and nothing more will come: "
                            "stop at the first b''",
                        )
                        continue
                    except TimeoutError:
                        report.check(
                            False,
                            f"{what}: recv() timed out (nothing more came in {STEP_TIMEOUT:g} s)",
                            "the peer had closed: stop at the first b'' instead of waiting "
                            "for a length or a newline",
                        )
                        continue
                    except Exception as error:  # noqa: BLE001 - the student's error, in words
                        report.check(False, f"{what}: {_describe(error)}", hint)
                        continue
                    recvs_after_eof += watched.after_eof
                    if got == expected:
                        report.check(True, what)
                    elif isinstance(got, (bytes, bytearray)) and expected.startswith(bytes(got)):
                        report.check(
                            False, f"{what}: got only the first {len(got)} of {len(expected)} bytes", hint
                        )
                    else:
                        report.check(False, f"{what}: got {_shown(got)}", hint)
    report.check(
        recvs_after_eof == 0,
        "drain() stops calling recv() at the first b''",
        f"recv() was called {recvs_after_eof} times after it had returned b''; "
        "b'' will only come again, so stop there",
    )
    report.finish()


# ----------------------------------------------------------------- serve_once
class _Run:
    """One call of the student's ``serve_once`` in a background thread."""

    def __init__(self, serve_once: Callable[[Callable[[int], None]], bytes]) -> None:
        self._ports: queue.Queue[int] = queue.Queue()
        self.port: int | None = None
        self.result: object = None
        self.error: BaseException | None = None
        self.done = threading.Event()
        self.thread = threading.Thread(
            target=self._target, args=(serve_once,), name=f"{THREAD_PREFIX}", daemon=True
        )
        self.thread.start()

    def _target(self, serve_once) -> None:
        try:
            self.result = serve_once(self._ports.put)
        except BaseException as error:  # noqa: BLE001 - reported by the check, never printed
            self.error = error
        finally:
            self.done.set()

    def wait_for_port(self, timeout: float = STEP_TIMEOUT) -> int | None:
        """The port the student announced, or None if the function ended (or stalled) first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self.port = int(self._ports.get(timeout=0.02))
                return self.port
            except queue.Empty:
                if self.done.is_set() and self._ports.empty():
                    return None
        return None

    def finish(self, timeout: float = STEP_TIMEOUT) -> bool:
        """Wait for the function to end; True if it did within ``timeout`` seconds."""
        return self.done.wait(timeout)

    def outcome(self) -> str:
        if self.error is not None:
            return _describe(self.error)
        return f"returned {_shown(self.result)}"

    def listener_closed(self) -> bool:
        """True if nothing accepts connections on the announced port any more."""
        if self.port is None:
            return True
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return False
        except ConnectionRefusedError:
            return True
        except OSError:  # a timeout: something holds the port but does not accept
            return False

    def forget(self) -> None:
        """Drop the result and the error (its traceback holds the student's sockets)."""
        self.result = self.error = None


def _client(port: int, pieces: list[bytes], pause: float = 0.0) -> tuple[bytes, str | None]:
    """Send ``pieces``, half-close, and read until b''. Returns (reply, problem or None)."""
    reply = b""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=STEP_TIMEOUT) as sock:
            for i, piece in enumerate(pieces):
                if i and pause:
                    time.sleep(pause)
                sock.sendall(piece)
            sock.shutdown(socket.SHUT_WR)
            while True:
                data = sock.recv(65536)
                if not data:
                    return reply, None
                reply += data
    except ConnectionRefusedError:
        return reply, "the connection was refused (call listen() before announce(port))"
    except TimeoutError:
        return reply, (
            f"after {len(reply)} bytes of reply, no end of stream came within {STEP_TIMEOUT:g} s "
            "(close the connection once the reply is sent)"
        )
    except (ConnectionResetError, BrokenPipeError):
        return reply, (
            f"the connection was reset after {len(reply)} bytes of reply (a socket closed with "
            "unread data sends RST: read until b'' before you reply and close)"
        )
    except OSError as error:
        return reply, f"the client's call {_describe(error)}"


def _resetting_client(port: int) -> str | None:
    """Send a little, wait until the server is reading, then reset (RST) the connection."""
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=STEP_TIMEOUT)
    except OSError as error:
        return f"the client could not connect ({_describe(error)})"
    try:
        sock.sendall(b"abc")
        time.sleep(0.1)
        # Linger on, with a time of 0: close() sends RST instead of FIN.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    finally:
        sock.close()
    return None


def _rescue(run: _Run) -> None:
    """End a student's accept() that has no timeout: connect once, send nothing, close."""
    try:
        with socket.create_connection(("127.0.0.1", run.port), timeout=0.5) as sock:
            sock.shutdown(socket.SHUT_WR)
    except OSError:
        return
    run.finish(STEP_TIMEOUT)


def check_serve_once(serve_once: Callable[[Callable[[int], None]], bytes]) -> None:
    """Check the one-shot server ``serve_once(announce) -> bytes`` with real clients."""
    report = Report("serve_once")
    limit = STEP_TIMEOUT + 0.5  # the student's 1 s timeouts, and room to spare
    runs: list[_Run] = []
    announced = 0
    with warnings.catch_warnings(record=True) as caught, default_timeout(STEP_TIMEOUT * 2.5):
        warnings.simplefilter("always", ResourceWarning)

        def start() -> tuple[_Run, int | None, str | None]:
            nonlocal announced
            run = _Run(serve_once)
            runs.append(run)
            port = run.wait_for_port()
            if port is not None:
                announced += 1
                return run, port, None
            if run.finish(0.1):
                return run, None, f"before announcing a port, it {run.outcome()}"
            return run, None, (
                f"announce(port) was not called within {STEP_TIMEOUT:g} s "
                "(call it right after listen(), before accept())"
            )

        def exchange(what: str, pieces: list[bytes], pause: float, hint: str,
                     returned: str | None = None) -> None:
            expected = b"".join(pieces)
            returned = returned or f"serve_once returned {_shown(expected)}"
            run, port, problem = start()
            if problem:
                report.check(False, f"{what}: {problem}")
                return
            reply, problem = _client(port, pieces, pause)
            ended = run.finish(limit)
            if problem:
                report.check(False, f"{what}: {problem}", hint)
            elif reply != expected.upper():
                got = f"only {len(reply)} of {len(expected)} bytes" if len(reply) < len(expected) else _shown(reply)
                report.check(False, f"{what}: got {got}", hint)
            else:
                report.check(True, what)
            if not ended:
                report.check(
                    False,
                    f"{returned}: it was still running after {limit:g} s",
                    "give both sockets a timeout (settimeout(1.0))",
                )
            elif run.error is not None:
                report.check(False, f"{returned}: it {run.outcome()}")
            elif run.result != expected:
                got = run.result
                if isinstance(got, (bytes, bytearray)) and len(got) < len(expected):
                    shown = f"only {len(got)} of {len(expected)} bytes"
                else:
                    shown = _shown(got)
                report.check(False, f"{returned}: it returned {shown}",
                             "return all the bytes the client sent, as bytes")
            else:
                report.check(True, returned)
            run.forget()

        exchange(
            "a client sends b'hello' and half-closes: it gets b'HELLO' back, then b''",
            [b"hello"], 0.0,
            "accept(), recv() until b'', sendall(data.upper()), then close the connection",
        )
        if not announced:  # nothing more to learn from the other cases
            report.finish()
            return
        exchange(
            f"a client sends {len(PIECES)} pieces 50 ms apart: it gets "
            f"{_shown(b''.join(PIECES).upper())} back",
            list(PIECES), PIECE_PAUSE,
            "one recv() returns only what has arrived: keep receiving until b'' (your drain())",
        )
        exchange(
            "a client sends 300 000 bytes: they all come back in capitals",
            [b"abcdefghij" * (BIG_SIZE // 10)], 0.0,
            "keep receiving until b'', and send the reply with sendall(), not send()",
            returned="serve_once returned all 300 000 bytes",
        )
        exchange(
            "a client sends nothing and half-closes: it gets b'' at once",
            [], 0.0,
            "when the first recv() returns b'', the client sent nothing: reply with nothing and close",
        )

        # A client that resets: recv() raises ConnectionResetError in the server.
        what = "a client resets the connection: serve_once ends at once"
        run, port, problem = start()
        if problem:
            report.check(False, f"{what}: {problem}")
        else:
            problem = _resetting_client(port)
            if problem:
                report.check(False, f"{what}: {problem}")
            elif not run.finish(limit):
                report.check(False, f"{what}: it was still running after {limit:g} s",
                             "give the accepted socket a timeout too (conn.settimeout(1.0))")
            elif run.error is not None and not isinstance(run.error, ConnectionError):
                report.check(False, f"{what}: it {run.outcome()}",
                             "a reset shows as ConnectionResetError: let it propagate")
            else:
                report.check(True, what)
        run.forget()

        # A silent client: connects, sends nothing, never half-closes. Only the
        # accepted socket's own timeout ends the server's recv() in time.
        what = "a silent client (connects, sends nothing, never half-closes): serve_once gives up after about 1 s"
        run, port, problem = start()
        if problem:
            report.check(False, f"{what}: {problem}")
        else:
            try:
                silent = socket.create_connection(("127.0.0.1", port), timeout=STEP_TIMEOUT)
            except OSError as error:
                report.check(False, f"{what}: the client could not connect ({_describe(error)})")
            else:
                with silent:
                    ended = run.finish(SILENT_PATIENCE)
                if not ended:
                    run.finish(limit)  # the client has closed: recv() returns b'' now
                    report.check(False, f"{what}: it was still waiting in recv() after {SILENT_PATIENCE:g} s",
                                 "give the accepted socket its own timeout: conn.settimeout(1.0)")
                elif not isinstance(run.error, TimeoutError):
                    report.check(False, f"{what}: it {run.outcome()}",
                                 "let recv()'s TimeoutError propagate (do not catch it)")
                else:
                    report.check(True, what)
        run.forget()

        # No client at all: accept() must time out.
        what = "with no client at all, serve_once raises TimeoutError"
        run, port, problem = start()
        if problem:
            report.check(False, f"{what}: {problem}")
        elif not run.finish(limit):
            report.check(False, f"{what}: it was still waiting in accept() after {limit:g} s",
                         "give the listening socket a timeout: listener.settimeout(1.0)")
            _rescue(run)
        elif not isinstance(run.error, TimeoutError):
            report.check(False, f"{what}: it {run.outcome()}",
                         "let accept()'s TimeoutError propagate (do not catch it)")
        else:
            report.check(True, what)

        # Sockets: the listener refuses afterwards, nothing is left to the garbage collector.
        still_running = [r for r in runs if not r.done.is_set()]
        open_ports = [r for r in runs if r.done.is_set() and not r.listener_closed()]
        for r in runs:
            r.forget()
        gc.collect()
        leaked = sum(
            1 for w in caught
            if issubclass(w.category, ResourceWarning) and "socket" in str(w.message)
        )
    if not announced:
        report.check(False, "every socket was closed: nothing to check, no port was announced")
    elif still_running:
        report.check(False, f"every socket was closed: {len(still_running)} run(s) had not ended",
                     "give both sockets a timeout, so serve_once always ends")
    elif open_ports:
        report.check(False, "every socket was closed: a listening socket still took connections",
                     "close the listening socket (a `with` block does it, even on an error)")
    elif leaked:
        report.check(False, f"every socket was closed: {leaked} socket(s) were left for the "
                            f"garbage collector to close",
                     "close every socket yourself, also when an error ends your function: "
                     "use `with` blocks")
    else:
        report.check(True, "every socket was closed (the port refused connections afterwards)")
    report.finish()

"""Self-checks for notebook 02, Client and server: the server loop ``serve_n``.

The exercise: ``serve_n(listener, n)`` accepts ``n`` clients one after
another and returns what each sent, keyed by the address ``accept()``
returned. The check plays four real clients, all waiting in the listen queue
before ``serve_n`` starts: one sends a short message, one sends three pieces,
one sends 100 000 bytes, one sends nothing at all. Each shuts down its side
when done and waits for the server to close.

Hints by cause: a ``TimeoutError`` (or a call still running in ``accept``)
means one ``accept`` too many; a call still running while its connection is
at the end of the stream means a loop that does not stop at ``b""``; wrong
keys are told apart by what they are (the server's own address, a bare
port, a missing empty client) and by the clients still waiting in the
listen queue when ``serve_n`` returned (the check accepts them itself: one
``accept`` too few); wrong bytes by what they hold (the start of what the
client sent, only its end, or the bytes of the clients served before it
too).

The connections ``serve_n`` accepts are the student's (``Watch`` sees them
being created by the student's call of ``accept``); the listener and the
clients are the kit's. Notebook 02 imports this check from ``client_server``.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import sys
import threading
import time
from typing import Callable

import psutil

from ..names import LOOPBACK
from . import Hint, Outcome, Report, Watch, always, attempt, hung
from .harness import KIT_THREAD_PREFIX
from .program import Program, ProgramFailed, program_hints
from .tcp_table import FALLBACK_PAUSE, read_between

__all__ = ["check_serve_n"]

#: Seconds any socket call of the check (or of ``serve_n``) may block: every
#: client is local and quick, so a wait this long waits for nothing.
TIMEOUT = 2.0

#: The clients the serve_n check plays: what each sends, in which pieces.
CLIENT_PLANS: list[tuple[str, list[bytes]]] = [
    ("a client that sent one short message", [b"hello from a client"]),
    ("a client that sent 3 pieces, each once the server had read the one before",
     [b"sent ", b"in three ", b"pieces"]),
    ("a client that sent nothing at all", []),
    ("a client that sent 100 000 bytes", [b"0123456789" * 10_000]),
]

#: Seconds between two looks at whether the server has read a piece yet:
#: short against any call's ``TIMEOUT``, long enough not to busy the CPU.
LOOK_EVERY = 0.001

#: Seconds ``serve_n`` may take in all: serving four local clients takes a
#: fraction of a second, and an ``accept`` that waits for nothing ends with
#: the sockets' ``TIMEOUT`` first.
SERVE_DEADLINE = TIMEOUT + 1.0


class _Client:
    """One client of the serve_n check, in a thread of the kit's; it never prints.

    Why a piece waits until the server has read the one before: only then is
    each piece sure to reach the server's ``recv`` on its own, however busy
    the machine, so a server that takes one ``recv`` (or stops at a short
    one) fails every time, not just when the timing happens to cut it.
    ``read_by_server(local_address)`` tells; it is asked every ``LOOK_EVERY``
    seconds, for at most ``TIMEOUT`` seconds.
    """

    def __init__(self, address: tuple[str, int], pieces: list[bytes],
                 read_by_server: Callable[[tuple], bool]) -> None:
        self.pieces = pieces
        self.sent = b"".join(pieces)
        self.local: tuple | None = None
        self.connected = threading.Event()
        self._address = address
        self._read_by_server = read_by_server
        self.thread = threading.Thread(target=self._run, name="sockutil-check:serve-client", daemon=True)

    def _run(self) -> None:
        try:
            with socket.create_connection(self._address, timeout=TIMEOUT) as sock:
                self.local = sock.getsockname()
                self.connected.set()
                for index, piece in enumerate(self.pieces):
                    if index:
                        self._wait_until_read()
                    sock.sendall(piece)
                sock.shutdown(socket.SHUT_WR)  # "I am done sending"
                while sock.recv(4096):  # until the server closes its side
                    pass
        except OSError:
            pass  # a reset, or the listener closed while queued: the check judges the server
        finally:
            self.connected.set()

    def _wait_until_read(self) -> None:
        deadline = time.monotonic() + TIMEOUT
        while not self._read_by_server(self.local) and time.monotonic() < deadline:
            time.sleep(LOOK_EVERY)


def _has_read_everything(sock: socket.socket) -> bool:
    """Has the owner of ``sock`` taken every byte that arrived (or closed it)? Reads nothing.

    Asked of a selector with no wait, not by a ``recv(MSG_PEEK)``: on a socket
    with a timeout, Python waits for data before it peeks, whatever the flags.
    """
    if sock.fileno() == -1:
        return True  # closed: nothing more will be read
    with selectors.DefaultSelector() as selector:
        try:
            selector.register(sock, selectors.EVENT_READ)
        except (OSError, ValueError):
            return True
        return not selector.select(0)


def _at_end_of_stream(sock: socket.socket) -> bool:
    """Has the peer closed its side, so that a ``recv`` would return ``b""`` now? Reads nothing."""
    if _has_read_everything(sock):
        return False  # nothing to read, not even the end
    try:
        return sock.recv(1, socket.MSG_PEEK) == b""  # readable: this returns at once
    except OSError:
        return False


def _blocked_in_accept(thread_name: str) -> bool:
    """Is the thread named ``thread_name`` waiting inside ``socket.accept`` right now?

    ``accept`` is Python code (in the standard library's ``socket.py``), so it
    shows as the innermost frame; ``recv`` is C and shows no frame of its own.
    """
    ids = [t.ident for t in threading.enumerate() if t.name == thread_name]
    frame = sys._current_frames().get(ids[0]) if ids else None
    return (frame is not None and frame.f_code.co_name == "accept"
            and frame.f_code.co_filename.endswith(("/socket.py", "\\socket.py")))


def _serve_hints(n: int, state: dict) -> list[Hint]:
    """Hints for a serve_n call, by what went wrong; ``state`` is filled when it hangs.

    A ``TimeoutError`` can only come from ``accept``: every client of the
    check ends its side once it has sent, so a ``recv`` always returns.
    """

    def waiting(outcome: Outcome) -> bool:
        return hung(outcome) or outcome.raised(TimeoutError)

    return [
        *program_hints(),
        Hint(lambda o: o.raised(ProgramOutput), "print one record per client: a line 'HOST PORT LENGTH' "
                                                "(printf(\"%s %d %zu\\n\", ...)), then its LENGTH bytes"),
        Hint(lambda o: hung(o) and not state.get("in_accept") and state.get("reading_after_eof"),
             "recv() returned b'': the client has closed its side and nothing more will come; "
             "stop reading then, close the connection, and go on to the next client"),
        Hint(lambda o: (hung(o) and state.get("in_accept")) or o.raised(TimeoutError),
             f"accept exactly n clients: after the n-th (here {n}), accept() waits for a client "
             f"that never comes"),
        Hint(waiting, "a call waited for something that never came: accept n clients, and read "
                      "each one until recv() returns b''"),
        Hint(lambda o: o.ok, "return a dict that maps each client's address (from accept()) to its bytes"),
        Hint(always, "accept n times; from each connection recv until b'', close it, and store the "
                     "bytes under the address accept() returned"),
    ]


def _key_hint(result: dict, clients: list[_Client], server: tuple, never_accepted: set) -> str:
    """Why the keys are not the clients' addresses, by what they are instead.

    ``never_accepted``: the clients still in the listen queue when ``serve_n``
    returned. An empty client that is missing although it was accepted was
    taken for the end; one still waiting was never served at all.
    """
    addresses = {client.local for client in clients}
    ports = {client.local[1] for client in clients if client.local}
    empty = next((c.local for c in clients if not c.sent), None)
    if server in result:
        return ("that key is the server's own address (the listening socket's, or the "
                "connection's getsockname()); the client's address is the second value accept() returns")
    if result and set(result) <= ports:
        return "use the whole address, the (host, port) tuple accept() returned, as the key"
    if set(result) < addresses and empty not in result and empty not in never_accepted:
        return ("a client that sends nothing is a client too: store b'' for it and go on; stop "
                "after n clients, not at the first empty one")
    if never_accepted and set(result) <= addresses:
        waiting = len(never_accepted)
        return (f"accept exactly n clients: when serve_n returned, {waiting} of the {len(clients)} "
                f"{'was' if waiting == 1 else 'were'} still waiting in the listen queue, never accepted "
                f"(for _ in range(n) runs n times)")
    return "accept() returns (new_socket, address): use that address as the key"


def _bytes_hint(got: bytes, sent: bytes) -> str:
    """Why a client's entry holds other bytes than it sent, by what it holds instead."""
    if len(got) > len(sent) and got.endswith(sent):
        return ('each client\'s bytes start from b"": set data = b"" inside the loop, once for each client; '
                "this entry also holds the bytes of the clients served before it")
    if got and len(got) < len(sent) and sent.endswith(got) and not sent.startswith(got):
        return ("that is only the last piece this client sent: add each chunk to the bytes so far "
                "(data += chunk) instead of replacing them (data = chunk)")
    return "recv() returns what has arrived so far; keep receiving until it returns b'' (the client closed its side)"


def _accept_the_waiting(listener: socket.socket, accepted: set) -> None:
    """Accept and close the clients still in the listen queue: those ``serve_n`` never accepted.

    Every client had connected (its handshake done, so it waited in the
    queue) before ``serve_n`` was called, so what is left now was left by it.
    Their addresses go into ``accepted``; a client waiting to send its next
    piece sees it there and stops waiting.
    """
    if listener.fileno() == -1:
        return  # closed by serve_n: the closing is judged on its own
    listener.setblocking(False)
    while True:
        try:
            waiting, client = listener.accept()
        except OSError:  # BlockingIOError: the queue is empty (or serve_n shut the listener down)
            return
        waiting.close()
        accepted.add(client)


def _run_function(serve_n: Callable[[socket.socket, int], dict], n: int, state: dict) -> tuple:
    """Call ``serve_n(listener, n)`` with the clients queued: (outcome, clients, server address, sockets left)."""
    with Watch(TIMEOUT) as watch:
        listener = socket.create_server(("127.0.0.1", 0), backlog=16)
        server_address = listener.getsockname()
        never_accepted: set = set()

        def read_by_server(local: tuple) -> bool:
            """The student's connection from ``local`` exists and holds no unread byte (or never will)."""
            if local in never_accepted:
                return True  # taken from the queue by the check after serve_n returned: go on
            for sock in watch.sockets():
                with contextlib.suppress(OSError):
                    if sock.getpeername() == local:
                        return _has_read_everything(sock)
            return False

        clients = [_Client(server_address, pieces, read_by_server) for _, pieces in CLIENT_PLANS]

        def on_hang() -> None:
            """Note what the call is stuck on, then wake it: its sockets and the listener."""
            state["in_accept"] = _blocked_in_accept(f"{KIT_THREAD_PREFIX}-check:serve_n")
            state["reading_after_eof"] = any(_at_end_of_stream(s) for s in watch.left_open())
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)  # wakes an accept() on Linux
            watch.wake()
            watch.close_all()  # a loop that ignores b'' spins on: a closed socket stops it

        try:
            for client in clients:
                client.thread.start()
            for client in clients:
                client.connected.wait(TIMEOUT)  # all four queue up before serve_n starts
            outcome = attempt(serve_n, listener, n, deadline=SERVE_DEADLINE, on_hang=on_hang, name="serve_n")
            state["listener_closed"] = not outcome.hung and listener.fileno() == -1
            if not outcome.hung:
                _accept_the_waiting(listener, never_accepted)
            state["never_accepted"] = never_accepted
            left = watch.left_open()
            watch.close_all()  # clients waiting for a close get it now
        finally:
            listener.close()  # clients still waiting in the queue are reset, and end
            for client in clients:
                client.thread.join(TIMEOUT)
        collected = watch.count_collected()
    return outcome, clients, server_address, len(left) + collected


class ProgramOutput(ProgramFailed):
    """A serve_n program printed something that is not 'HOST PORT LENGTH' lines, each followed by its bytes."""


def parse_records(output: bytes) -> dict:
    """A serve_n program's output, ``HOST PORT LENGTH\\n`` then the bytes, per client, as serve_n's dict."""
    records: dict = {}
    rest = output
    while rest:
        line, newline, rest = rest.partition(b"\n")
        fields = line.split()
        if not newline or len(fields) != 3 or not fields[1].isdigit() or not fields[2].isdigit():
            raise ProgramOutput(f"printed {line[:40]!r} where the kit expects a line 'HOST PORT LENGTH'")
        size = int(fields[2])
        if len(rest) < size:
            raise ProgramOutput(f"announced {size} bytes but printed only {len(rest)}")
        records[(fields[0].decode("ascii", "replace"), int(fields[1]))], rest = rest[:size], rest[size:]
    return records


def _read_by_program(server: tuple) -> Callable[[tuple], bool]:
    """Has the program read all a client (at ``local``) sent? As the kernel says (tcp_table); else after a pause."""
    def read(local: tuple) -> bool:
        done = read_between(local, server)
        if done is None:
            time.sleep(FALLBACK_PAUSE)  # no table to ask (not Linux): a pause is the best there is
            return True
        return done

    return read


def _run_program(program: Program, n: int, state: dict) -> tuple:
    """``./serve_n PORT N`` with the clients connecting once it listens: as ``_run_function``."""
    try:
        running = program.start(n)
    except ProgramFailed as error:
        return Outcome(error=error), [], None, 0
    with running:
        server_address = (LOOPBACK, running.port)
        clients = [_Client(server_address, pieces, _read_by_program(server_address)) for _, pieces in CLIENT_PLANS]
        try:
            for client in clients:
                client.thread.start()
            for client in clients:
                client.connected.wait(TIMEOUT)
            started = time.perf_counter()
            outcome = Outcome(deadline=SERVE_DEADLINE)
            if not running.wait(SERVE_DEADLINE):
                statuses = [c.status for c in running.connections()]
                state["reading_after_eof"] = psutil.CONN_CLOSE_WAIT in statuses
                state["in_accept"] = not state["reading_after_eof"]
                outcome.hung = True
            elif running.process.returncode != 0:
                outcome.error = running.failure()
            else:
                try:
                    outcome.value = parse_records(running.stdout())
                except ProgramOutput as error:
                    outcome.error = error
            outcome.seconds = time.perf_counter() - started
        finally:
            running.stop(0)
            for client in clients:
                client.thread.join(TIMEOUT)
    return outcome, clients, server_address, 0


def check_serve_n(serve_n: Callable[[socket.socket, int], dict] | Program) -> Report:
    """Check ``serve_n(listener, n) -> {address: bytes}`` with several real clients at once.

    ``serve_n`` may also be a ``Program``: ``./serve_n PORT N`` listens, serves ``n`` clients and
    prints, for each, a line ``HOST PORT LENGTH`` and then the bytes it sent (see ``program.py``).
    """
    report = Report("serve_n")
    if report.unwritten(serve_n):
        return report
    n = len(CLIENT_PLANS)
    state: dict = {}
    run = _run_program if isinstance(serve_n, Program) else _run_function
    outcome, clients, server_address, left = run(serve_n, n, state)
    what = f"serve_n(listener, {n}) returns a dict"
    if not report.case(what, outcome, None, _serve_hints(n, state), function="serve_n",
                       same=lambda value, _: isinstance(value, dict)):
        return report.finish()
    received: dict = outcome.value
    addresses = [client.local for client in clients]
    keys_ok = len(received) == n and set(received) == set(addresses)
    report.check(keys_ok, f"one entry for each of the {n} clients, keyed by the address accept() returned",
                 _key_hint(received, clients, server_address, state.get("never_accepted", set())))
    for (what, _), client in zip(CLIENT_PLANS, clients):
        if not keys_ok:
            report.skip(what, "fix the keys first")
            continue
        got = received.get(client.local)
        if got == client.sent:
            report.check(True, what)
        elif isinstance(got, (bytes, bytearray)):
            report.check(False, f"{what}: got {len(got)} bytes, expected {len(client.sent)}",
                         _bytes_hint(bytes(got), client.sent))
        else:
            report.check(False, f"{what}: got {type(got).__name__}, not bytes",
                         "store the bytes as they arrived: do not decode them")
    if not isinstance(serve_n, Program):  # a program's sockets are closed by the kernel when it ends: unseen
        report.tidy(not state.get("listener_closed"), "your server left the listener open for its caller",
                    "the listener is the caller's: close only the sockets accept() gave you (no `with "
                    "listener:` in serve_n)")
        report.tidy(
            not left,
            "your server closed each connection when it was done with it",
            "close the socket accept() gave you (a `with` block does it for you); "
            "a socket left for Python's garbage collector to close counts as not closed",
        )
    return report.finish()

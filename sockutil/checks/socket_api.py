"""Self-checks for notebook 05, The socket API: ``drain(sock)`` and ``serve_once(announce)``.

``check_drain`` hands the student's ``drain(sock)`` real connections to
servers that send a greeting, a message in small pieces, 300 000 bytes, or
nothing at all, and then close. The socket it passes is the real one,
wrapped: ``recv`` calls are counted, those made after ``recv`` has returned
``b""`` too, and a loop that never stops at ``b""`` is ended after a hundred
of them instead of spinning for ever. The counts choose the hint: one
``recv`` for a message that came in pieces, a loop that ignores ``b""``. A
drain that sets the socket's timeout shorter than its caller's meets a pause
after the message's first line, held until that timeout has run out in its
``recv``: a pause taken for the end shows on every run, and a drain that
leaves the timeout alone never meets it.

``check_serve_once`` runs the student's one-shot server in a kit thread
(``announce(port)`` tells the check where to connect) and sends real clients
at it: one that sends a word and half-closes, one that sends in pieces, one
that sends a lot, one that sends nothing, one that resets the connection,
one that connects and stays silent without half-closing (the accepted
socket's own 0.5 s timeout must end the server: the process-wide default
timeout the check sets is longer, so a missing ``conn.settimeout(0.5)``
shows), and none at all (accept must time out). When ``announce`` comes, the
check looks at the student's socket on that port (``listener_state``): not
listening yet, or bound to another address than 127.0.0.1, is said at once,
whatever a client's timing; a listening one gets a small send buffer, which
its connections inherit, so one ``send`` cannot take the long reply. What went
wrong is read from both ends: a reply cut short while the server returned
the whole request is a ``send`` that should be ``sendall``; a request cut
short is one ``recv``.
At the end the ``Watch`` says whether any of the student's sockets was left
open or to the garbage collector.

Nothing here prints from a thread; each wait is bounded.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import Any, Callable

from ..exercise_guard import guarded
from ..servers import Connection, Server
from . import Hint, Outcome, Report, Watch, always, attempt, hung, pick_hint, raised, short
from .eof_watch import MAX_RECVS_AFTER_EOF, CountingSocket, KeptReading
from .once_clients import SEND_BUFFER, resetting_client, silent_client
from .once_clients import once_client as _client   # looked up here, where a test can replace it
from .once_runs import THREAD_PREFIX, FunctionRun, ProgramRun, listener_state, start_run
from .program import Program, ProgramExited, ProgramHung, ProgramNotFound, program_hints
from .program_client import client_call, pieces_read_by_peer

__all__ = ["check_drain", "check_serve_once", "MAX_RECVS_AFTER_EOF", "THREAD_PREFIX"]

#: Seconds any single step of a check waits (connect, recv, the student's function).
STEP_TIMEOUT = 2.0

#: Far more than one ``recv`` returns, so only a loop receives it all.
BIG_SIZE = 300_000

GREETING = b"Hello, world!\n"
MESSAGE = b"First line!\nTCP is a byte stream: it keeps no boundaries.\n"   # a newline is no end

#: The drain check's message goes out in pieces this long, each one only once
#: the student's ``recv`` has returned the one before (or after ``PIECE_WAIT``
#: seconds, for code that stopped reading): so every ``recv`` sees one piece,
#: however loaded the machine, and one ``recv`` can never get the whole message.
PIECE_SIZE, PIECE_WAIT = 4, 1.0

#: Where the message pauses (after its first line) for a drain that set the socket's
#: timeout shorter than the check's, to at most ``PIECE_WAIT``: the rest is held until
#: that timeout has run out in the student's ``recv``, so taking a pause for the end shows.
PAUSE_AT = MESSAGE.index(b"\n") + 1

#: Pieces a client of ``check_serve_once`` sends apart, and the pause between them (s).
PIECES = (b"one ", b"two ", b"three")
PIECE_PAUSE = 0.05

#: The timeout the exercise asks for, on both of the student's sockets (s): short,
#: because the check waits for it twice (a silent client, and no client at all).
STUDENT_TIMEOUT = 0.5

#: Seconds the silent client of ``check_serve_once`` stays connected, waiting for
#: the server to give up: the accepted socket's ``STUDENT_TIMEOUT``, and room to
#: spare, but less than the check's default timeout (``DEFAULT_TIMEOUT``).
SILENT_PATIENCE = 3.0
DEFAULT_TIMEOUT = STEP_TIMEOUT * 2.5



# ---------------------------------------------------------------------- drain
def _greeter(conn: Connection) -> None:
    conn.sendall(GREETING)


def _in_pieces(read: threading.Event, finished: threading.Event,
               lent: list[CountingSocket]) -> Callable[[Connection], None]:
    """A handler that sends the next piece once the student's recv returned the last (``read``).

    At ``PAUSE_AT`` it holds the rest while the timeout the student's code set
    on the socket ``lent`` to it runs out in a ``recv`` (which then signals ``read``).
    It stops once the student's call has ``finished``, so stopping the server never waits.
    """
    def handler(conn: Connection) -> None:
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # each piece leaves at once
        for start in range(0, len(MESSAGE), PIECE_SIZE):
            if start == PAUSE_AT and lent and lent[0].shortened_timeout(PIECE_WAIT) is not None:
                read.clear()
                read.wait(STEP_TIMEOUT)   # ended by the student's recv timing out, or by the call's end
            if finished.is_set():
                return
            read.clear()
            conn.sendall(MESSAGE[start:start + PIECE_SIZE])
            read.wait(PIECE_WAIT)

    return handler


def _big_sender(conn: Connection) -> None:
    conn.sendall(b"0123456789" * (BIG_SIZE // 10))


def _silent(conn: Connection) -> None:
    """Close at once without sending anything."""


def _drain_hints(counting: CountingSocket, expected: bytes) -> list[Hint]:
    def cut_short(outcome: Outcome) -> bool:
        value = outcome.value
        return isinstance(value, (bytes, bytearray)) and len(value) < len(expected)

    shortened = getattr(counting, "shortened_timeout", lambda limit: None)(STEP_TIMEOUT)
    return [
        *program_hints(),
        Hint(raised(KeptReading), "b'' means the peer has closed and nothing more will come: "
                                   "stop at the first b''"),
        Hint(lambda o: o.ok and getattr(counting, "timeouts", 0) > 0,
             "recv() timed out in a pause and drain() returned what it had: a pause is not the end, "
             "only b'' is. Leave the socket's timeout as the caller set it, and let a TimeoutError propagate"),
        Hint(lambda o: o.raised(TimeoutError) and shortened is not None,
             f"drain() set the socket's timeout to {shortened} s, shorter than its owner's, and a pause "
             "longer than that ended it: leave the timeout as the caller set it (only b'' is the end)"),
        Hint(lambda o: o.hung or o.raised(TimeoutError),
             "the peer had closed: stop at the first b'' instead of waiting for more "
             "(a length, or a newline)"),
        Hint(lambda o: isinstance(o.value, str), "return bytes, as recv() gives them: do not decode"),
        Hint(lambda o: o.raised(TypeError) and "str" in str(o.error),
             "start from data = b'' (bytes), not '': recv() returns bytes, and bytes and str do not add up"),
        Hint(lambda o: isinstance(o.value, bytes) and o.value != expected and o.value == expected.strip(),
             "return the bytes as they came: do not strip them (the newline is part of the data)"),
        Hint(lambda o: isinstance(o.value, (list, tuple)),
             "join the pieces into one bytes object (data += chunk, or b''.join(pieces))"),
        Hint(lambda o: cut_short(o) and not counting.eof_seen,
             "recv() returns what has arrived so far, often less than you asked for: a short chunk "
             "is not the end, and one recv() is not the whole message. Call it in a loop until it "
             "returns b''"),
        Hint(cut_short, "keep every chunk: add each one to what you have (data += chunk) instead "
                        "of replacing it"),
        Hint(always, "call recv() in a loop and join the pieces; stop when it returns b''"),
    ]


@guarded("drain")   # the kit's own version of drain is refused (sockutil/exercise_guard.py)
def check_drain(drain: Callable[[socket.socket], bytes] | Program) -> Report:
    """Check ``drain(sock) -> bytes``: it must return every byte until the peer closes.

    ``drain`` may also be a ``Program``: ``./drain PORT`` connects and prints what it received.
    """
    report = Report("drain")
    if report.unwritten(drain):
        return report
    pieces = -(-len(MESSAGE) // PIECE_SIZE)
    read, finished = threading.Event(), threading.Event()
    lent: list[CountingSocket] = []   # the socket the pieces' handler is reading for
    cases = [
        ("a server that sends a greeting and closes: drain() returns all of it", _greeter, GREETING),
        (f"a message sent in {pieces} pieces, each after the last was read, comes back whole",
         pieces_read_by_peer(MESSAGE, PIECE_SIZE, finished, PIECE_WAIT) if isinstance(drain, Program)
         else _in_pieces(read, finished, lent), MESSAGE),
        ("300 000 bytes come back whole", _big_sender, b"0123456789" * (BIG_SIZE // 10)),
        ("a server that closes without sending anything: drain() returns b''", _silent, b""),
    ]
    recvs_after_eof, stuck = 0, False
    with Watch(STEP_TIMEOUT):
        for what, handler, expected in cases:
            if stuck:  # a program that hung (or is missing) would again: one line says it
                report.skip(what)
                continue
            finished.clear()
            with Server(handler, name="check-drain", idle_timeout=STEP_TIMEOUT) as server, \
                    client_call(drain, server.address, read, STEP_TIMEOUT) as (call, counting, wake):
                lent[:] = [counting] if isinstance(counting, CountingSocket) else []
                outcome = attempt(call, deadline=STEP_TIMEOUT, on_hang=wake)
                closed = getattr(counting, "closed", False)   # a program's stand-in has no socket to close
                finished.set()
                read.set()
                recvs_after_eof += counting.after_eof
                hints = _drain_hints(counting, expected)
                value = outcome.value
                if closed and outcome.ok:
                    report.check(False, f"{what}, but drain() closed the socket",
                                 "leave the socket open: it is the caller's, who may still send on it "
                                 "(serve_once replies after its drain) and closes it itself")
                elif outcome.raised(KeptReading):
                    report.check(False, f"{what}: recv() was called {MAX_RECVS_AFTER_EOF} more times "
                                        f"after it returned b''", pick_hint(outcome, hints))
                elif isinstance(value, bytes) and len(value) < len(expected) and expected.startswith(value):
                    report.check(False, f"{what}: got only the first {len(value)} of {len(expected)} bytes",
                                 pick_hint(outcome, hints))
                else:
                    report.case(what, outcome, expected, hints, function="drain")
                if report.stopped:
                    return report
                stuck = outcome.raised(ProgramHung, ProgramNotFound)
    if not isinstance(drain, Program):  # a program's recv() calls are not seen: a loop on 0 shows as a hang
        report.tidy(recvs_after_eof == 0, "drain() stops calling recv() at the first b''",
                    f"recv() was called {recvs_after_eof} times after it had returned b''; "
                    "b'' will only come again, so stop there")
    return report.finish()


# ----------------------------------------------------------------- serve_once
_TIMEOUTS = f"give both sockets a timeout (settimeout({STUDENT_TIMEOUT})), so serve_once always ends"
_NON_BLOCKING = ("setblocking(False), or a timeout of 0, makes a socket non-blocking: accept() and recv() then "
                 f"raise BlockingIOError at once instead of waiting. Use settimeout({STUDENT_TIMEOUT})")
_LISTEN_FIRST = ("call listen() before announce(port): a client that connects between the two is refused, "
                 "since nothing listens yet")
_LOOPBACK_ONLY = ("bind (\"127.0.0.1\", 0): '' or '0.0.0.0' listens on every interface, where other hosts "
                  "can reach the server")
_RECEIVE_ALL = ("one recv() returns only what has arrived: keep receiving until b'' "
                "(your drain()), then reply and close")


def _reply_hint(problem: str | None, returned: Outcome, expected: bytes) -> str:
    """Why the client's reply was wrong, read from what the server returned too."""
    whole_request = returned.ok and returned.value == expected
    if returned.raised(BlockingIOError):
        return _NON_BLOCKING
    if problem and "refused" in problem:
        return "call listen() before announce(port)"
    if problem and "reset" in problem:
        return ("your server closed while the client's bytes were still unread, so its kernel "
                "reset the connection: receive until b'' before you reply and close")
    if problem:
        return "close the connection once the reply is sent (a `with` block does it)"
    if whole_request:
        return "send() may take only part of the reply: use sendall(), which sends every byte"
    return _RECEIVE_ALL


def _return_hints(expected: bytes) -> list[Hint]:
    return [
        *program_hints(),
        Hint(hung, _TIMEOUTS),
        Hint(raised(TimeoutError), "the client half-closes after its request: receive until b''"),
        Hint(raised(BlockingIOError), _NON_BLOCKING),
        Hint(lambda o: isinstance(o.value, str), "return the request as bytes, as recv() gave it"),
        Hint(lambda o: o.value == expected.upper() != expected,
             "return the request as it came, not the reply: the capitals go to the client"),
        Hint(lambda o: isinstance(o.value, (bytes, bytearray)) and len(o.value) < len(expected), _RECEIVE_ALL),
        Hint(always, "return all the bytes the client sent, as bytes"),
    ]


def check_serve_once(serve_once: Callable[[Callable[[int], None]], bytes] | Program) -> Report:
    """Check the one-shot server ``serve_once(announce) -> bytes`` with real clients.

    ``serve_once`` may also be a ``Program``: ``./serve_once PORT`` serves one client, prints its
    request, and exits; an error (a timeout) is a non-zero exit status (see ``program.py``).
    """
    report = Report("serve_once")
    if report.unwritten(serve_once):
        return report
    limit = STEP_TIMEOUT + 0.5  # the student's timeouts, and room to spare
    runs: list[FunctionRun | ProgramRun] = []
    failed = ProgramExited if isinstance(serve_once, Program) else TimeoutError  # how a program raises

    def start(what: str) -> FunctionRun | ProgramRun | None:
        """A new run; None (and a cross) if it announced no port."""
        run = start_run(serve_once, listener_state(watch, SEND_BUFFER))
        runs.append(run)
        if run.wait_for_port() is not None:
            state = run.at_announce   # the student's socket when announce() came: no client's timing matters
            if state is None or (state.listening and state.host == "127.0.0.1"):
                return run
            report.check(False, f"{what}: announce(port) came before listen()" if not state.listening else
                         f"{what}: the server listens on {state.host}, not on 127.0.0.1 alone",
                         _LISTEN_FIRST if not state.listening else _LOOPBACK_ONLY)
            run.rescue(watch)
            return None
        if run.done.is_set():
            report.case(what, run.outcome, None, [
                *program_hints(),
                Hint(raised(TypeError, ValueError), "announce(port) takes the port number alone: "
                                                     "listener.getsockname()[1]"),
                Hint(always, "bind, listen, then announce(port) before accept()")],
                same=lambda *_: False, function="serve_once")
        else:
            report.check(False, f"{what}: announce(port) was not called within {STEP_TIMEOUT:g} s",
                         "call announce(port) right after listen(), before accept()")
            run.rescue(watch)
        return None

    def exchange(what: str, pieces: list[bytes], pause: float = 0.0, returned: str = "") -> bool:
        expected = b"".join(pieces)
        run = start(what)
        if run is None:
            return False
        reply, problem = _client(run.port, pieces, pause)
        if not run.finish(limit):
            run.rescue(watch)
            run.outcome.hung, run.outcome.deadline = True, limit
        if problem is None and reply == expected.upper():
            report.check(True, what)
        else:
            got = problem or (f"got only {len(reply)} of {len(expected)} bytes" if len(reply) < len(expected)
                              else f"got {short(reply)}")
            report.check(False, f"{what}: {got}", _reply_hint(problem, run.outcome, expected))
        returned = returned or f"serve_once returned {short(expected)}"
        value = run.outcome.value
        if isinstance(value, bytes) and len(value) < len(expected) and expected.startswith(value):
            report.check(False, f"{returned}: it returned only {len(value)} of {len(expected)} bytes",
                         pick_hint(run.outcome, _return_hints(expected)))
        else:
            report.case(returned, run.outcome, expected, _return_hints(expected), function="serve_once")
        return True

    def must_end(what: str, ok: Callable[[Outcome], bool], stuck: str, wrong: str,
                 client: Callable[[int], Any] = lambda port: contextlib.nullcontext(),
                 patience: float = limit) -> None:
        """A run that must end by itself within ``patience`` s, while ``client(port)`` is connected."""
        run = start(what)
        if run is None:
            return
        try:
            with client(run.port):
                ended = run.finish(patience)
        except ConnectionError as error:   # refused, or reset in the listen queue: the run ended before its client came
            ended = run.finish(patience)
            if ended:
                early = _NON_BLOCKING if run.outcome.raised(BlockingIOError) else (
                    "call listen() before announce(port), and then wait in accept() for the client")
                how = "refused" if isinstance(error, ConnectionRefusedError) else "reset"
                report.check(False, f"{what}: the connection was {how}: serve_once had already ended "
                                    f"(it {run.outcome.describe()})", early)
                return
        if not ended:
            report.check(False, f"{what}: it was still waiting after {patience:g} s", stuck)
            run.rescue(watch)
        elif not ok(run.outcome):
            report.check(False, f"{what}: it {run.outcome.describe()}",
                         _NON_BLOCKING if run.outcome.raised(BlockingIOError) else wrong)
        else:
            report.check(True, what)

    with Watch(DEFAULT_TIMEOUT) as watch:
        try:
            if exchange("a client sends b'hello' and half-closes: it gets b'HELLO' back, then b''", [b"hello"]) \
                    and not report.stopped:
                exchange(f"a client sends {len(PIECES)} pieces 50 ms apart: it gets "
                         f"{short(b''.join(PIECES).upper())} back", list(PIECES), PIECE_PAUSE)
                exchange("a client sends 300 000 bytes: they all come back in capitals",
                         [b"abcdefghij" * (BIG_SIZE // 10)], returned="serve_once returned all 300 000 bytes")
                exchange("a client sends nothing and half-closes: it gets b'' at once", [])

                must_end("a client resets the connection: serve_once ends at once",
                         lambda o: o.ok or o.raised(ConnectionError, ProgramExited),
                         f"give the accepted socket a timeout too (conn.settimeout({STUDENT_TIMEOUT}))",
                         "a reset shows as ConnectionResetError: let it propagate", client=resetting_client)
                # Connects, sends nothing, never half-closes: only the accepted socket's own timeout ends it.
                must_end("a silent client (connects, sends nothing, never half-closes): "
                         f"serve_once gives up after about {STUDENT_TIMEOUT} s", raised(failed),
                         f"give the accepted socket its own timeout: conn.settimeout({STUDENT_TIMEOUT})",
                         "let recv()'s TimeoutError propagate (do not catch it)",
                         client=silent_client, patience=SILENT_PATIENCE)
                must_end("with no client at all, serve_once raises TimeoutError", raised(failed),
                         f"give the listening socket a timeout: listener.settimeout({STUDENT_TIMEOUT})",
                         "let accept()'s TimeoutError propagate (do not catch it)")
        finally:  # also on an interrupt: no run, and no program, is left behind
            for run in runs:
                if not run.done.is_set():
                    run.rescue(watch)
        still_running = sum(not run.done.is_set() for run in runs)
        runs.clear()  # the outcomes hold the student's values; let them go before counting
        left_open = len(watch.left_open())
        watch.close_all()
        collected = watch.count_collected()
    if report.stopped or not any(result.ok for result in report.results) or isinstance(serve_once, Program):
        return report.finish()  # a program's sockets cannot be seen: the kernel closes them when it ends
    if still_running:
        report.check(False, f"every socket was closed: {still_running} run(s) had not ended", _TIMEOUTS)
    elif left_open or collected:
        report.check(False, f"every socket was closed: {left_open + collected} socket(s) were left "
                            f"{'open' if left_open else 'for the garbage collector to close'}",
                     "close every socket yourself, also when an error ends your function: use `with` blocks")
    else:
        report.check(True, "every socket was closed")
    return report.finish()

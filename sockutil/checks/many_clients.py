"""Self-check for notebook 08, Many clients: ``serve_upper(listener, stop)``.

Why these clients: a server that answers one polite client is easy to get
right by accident. Each client here is built to fail one classic mistake,
and each failure's hint is chosen by what actually went wrong:

* two messages, the second sent only after the first reply came back: a
  server that takes one ``recv`` per connection answers the first and closes;
* 8 MB sent while the client reads late, through a small receive buffer:
  the server's sends meet full buffers, so ``send`` takes only part of the
  data and ``sendall`` on a non-blocking socket stops with
  ``BlockingIOError`` (the hint then names the socket's mode, read from the
  student's own sockets);
* a client that closes its sending side, and one that resets: the first must
  get its reply and then an end of stream, the second must end only its own
  thread (an exception escaping a thread is recorded by the ``Watch``);
* a client that connects and stays silent, until after ``stop`` is set: a
  thread blocked in ``recv`` without a timeout never ends;
* the race of ``sockutil.races``: one slow client and six fast ones.

The server runs with no default socket timeout (``Watch(None)``), exactly as
in a notebook, so a missing ``settimeout`` is not hidden by the check.
"""

from __future__ import annotations

import socket
from typing import Callable

from ..names import LOOPBACK
from ..races import time_clients
from . import Hint, Outcome, Report, Watch, always
from .program import Program, program_hints
from .server_under_test import ProgramUnderTest, Reply, Serve, ServerUnderTest, Stopped, under_test
from .upper_clients import (BIG, PARTIAL, QUIESCE_TIMEOUT, REPLY_TIMEOUT, after_reset, big, half_close,
                            quiesce, while_one_does_not_read, with_small_send_buffer)
from .upper_clients import converse as _converse   # by this name, so that a test can stand in for it

__all__ = ["Serve", "check_serve_upper"]

#: Seconds ``serve_upper`` may take to return after ``stop`` is set: the
#: worked solution waits for a client in progress, whose timeout is 1.5 s (so
#: the check waits that long for its silent client: the exercise asks for no
#: more), plus the 0.1 s of an accept timeout, plus room for a loaded machine.
#: A student who chose 2 s passes too.
STOP_GRACE = 3.0

#: Bytes with no newline, and not UTF-8: what comes back must not wait for a line, nor be decoded.
RAW = b"\xff\xc3\x9f abc"
RAW_BYTES = ("send back each piece as it arrives, in capitals with data.upper() (bytes.upper() changes only "
             "ASCII letters): do not wait for a newline, and do not decode the bytes (they need not be UTF-8)")

WRITE_BUFFER = ("sendall() on a non-blocking socket stops with BlockingIOError as soon as the "
                "kernel's buffers are full, having sent an unknown part: keep the bytes you owe each "
                "client in a write buffer, and send from it with send() when the selector says the "
                "socket is writable")


UNSENT = ("send() takes only what fits into the socket's buffer and returns how many bytes that was: "
          "keep the rest in the client's write buffer (owed = owed[sent:]) and send it when the "
          "selector says the socket is writable again")

STUCK = ("while one client did not read, your server was stuck sending to it and answered no one else: in a "
         "selectors loop make every client socket non-blocking (conn.setblocking(False)) and send from a "
         "write buffer when the selector says the socket is writable; or serve each client in its own thread")

SEND_PART = ("only part came back, where the short messages came back whole: send() takes only what fits "
             "into the socket's buffer and returns how much that was; use sendall(), which sends it all")

RACE = "7 clients at once, one of them slow: the 6 fast ones are answered before the slow one sends"


# -------------------------------------------------------------------- hints
def _hints(server: ServerUnderTest | ProgramUnderTest, modes: list[float | None]) -> list[Hint]:
    """Hints for a functional case, chosen by what went wrong.

    ``modes`` are the timeouts of the student's sockets, seen while the big
    message met full buffers: 0.0 is a non-blocking socket.
    """

    def non_blocking(outcome: Outcome) -> bool:
        """The student's sockets are non-blocking, and the reply stopped short: sendall() gave up."""
        return isinstance(server.error, BlockingIOError) or (
            0.0 in modes and isinstance(outcome, Reply) and outcome.ended != "complete")

    def ended(*kinds: str) -> Callable[[Outcome], bool]:
        return lambda outcome: isinstance(outcome, Reply) and outcome.ended in kinds

    def short_reply(outcome: Outcome) -> bool:
        return isinstance(outcome, Reply) and outcome.ended == "timeout" and bool(outcome.value)

    def lost_unsent(outcome: Outcome) -> bool:
        """Non-blocking sockets, the connection kept open, bytes missing: what send() did not take was dropped."""
        return 0.0 in modes and server.error is None and short_reply(outcome)

    return [
        *program_hints(lambda o: o.error or server.error),
        Hint(lost_unsent, UNSENT),
        Hint(lambda o: server.error is not None and not isinstance(server.error, BlockingIOError),
             "an exception ended your server function itself: catch the errors of one client "
             "(OSError) where you talk to it, so that they end only that client"),
        Hint(non_blocking, WRITE_BUFFER),
        Hint(ended("refused"), "serve_upper must keep accepting clients until stop is set"),
        Hint(ended("closed", "reset"),
             "your server closed the connection after the first piece: keep receiving from a "
             "client until recv() returns b'' (one recv() per client answers only what arrived first)"),
        Hint(short_reply,
             "send() may take only part of the data when the buffers are full: use sendall(), "
             "which sends it all"),
        Hint(ended("timeout"), "recv() what the client sent and send back data.upper() at once, "
                               "without waiting for more"),
        Hint(always, "send back exactly the bytes you received, in capitals: data.upper()"),
    ]


def _stop_hints() -> list[Hint]:
    def listener_blocking(outcome: Outcome) -> bool:
        return isinstance(outcome, Stopped) and not outcome.returned and outcome.listener_timeout is None

    def no_timeout(outcome: Outcome) -> bool:
        return isinstance(outcome, Stopped) and None in outcome.open_timeouts

    def long_timeout(outcome: Outcome) -> bool:
        return isinstance(outcome, Stopped) and any(
            t is not None and t > STOP_GRACE - 0.5 for t in outcome.open_timeouts)

    def selector_waits(outcome: Outcome) -> bool:
        return isinstance(outcome, Stopped) and not outcome.returned and outcome.listener_timeout == 0.0

    return [
        Hint(lambda o: isinstance(o, Stopped) and o.unquiet,
             "when recv() returns b'', the client has closed its side: close its socket at once (and "
             "unregister it from your selector)"),
        Hint(lambda o: isinstance(o, Stopped) and o.program and not o.returned,
             "the kit stops your program with SIGTERM: leave its default action (the program ends), "
             "or, in your handler, end the loop and exit"),
        Hint(lambda o: isinstance(o, Stopped) and o.program,
             "when your program ends, the kernel closes every socket it still holds: a child process "
             "(fork) that ignores SIGTERM keeps its client's connection open"),
        Hint(listener_blocking,
             "accept() without a timeout waits for the next client forever, so your loop never "
             "looks at stop: call listener.settimeout(0.1), or select() with a timeout"),
        Hint(selector_waits,
             "select() with no timeout waits for the next event forever, so your loop never looks at "
             "stop while no client talks: selector.select(timeout=0.1) looks at it every 0.1 s"),
        Hint(no_timeout,
             "a client that stays silent keeps its thread waiting in recv() forever: give every "
             "client's socket a timeout (conn.settimeout(1.5)), or never block on one (selectors)"),
        Hint(long_timeout,
             "a client's timeout is longer than your stop may take: use a shorter one (1.5 s), or "
             "shut down each client's socket when stop is set (sock.shutdown(socket.SHUT_RDWR))"),
        Hint(always, "look at stop.is_set() at least every 0.1 s, and when it is set, stop "
                     "waiting for clients (their timeouts end them) and return"),
    ]


def _thread_hint(errors: list[str]) -> str:
    first = errors[0] if errors else ""
    if first.startswith("BlockingIOError"):
        return WRITE_BUFFER
    if first.startswith("TimeoutError"):
        return ("a silent client makes recv() raise TimeoutError after your timeout: catch OSError "
                "(TimeoutError is one) around the client's recv() and sendall(), and close it")
    if first.startswith(("ConnectionResetError", "BrokenPipeError", "ConnectionAbortedError")):
        return ("a client may reset its connection: catch OSError around each client's recv() "
                "and sendall(), so that the error ends only that client")
    return ("catch errors inside the thread that serves a client: an exception that escapes a "
            "thread prints a traceback into whatever cell runs next")


# -------------------------------------------------------------------- check
def check_serve_upper(serve_upper: Serve | Program) -> Report:
    """Check ``serve_upper(listener, stop)`` from notebook 08: many clients at once, in capitals.

    ``serve_upper`` may also be a ``Program`` (``./serve_upper PORT``, stopped by SIGTERM): see ``program.py``.
    """
    report = Report("serve_upper")
    if report.unwritten(serve_upper):
        return report
    with Watch(timeout=None) as watch:
        with under_test(serve_upper, watch, "serve_upper", STOP_GRACE, "serve_upper") as server:
            exercised = _functional_cases(report, server, watch)
            if report.stopped:
                return report
        errors = list(watch.thread_errors)
        left = len(watch.left_open()) + getattr(server, "unclosed", 0)
        watch.close_all()
        collected = watch.count_collected()
    if exercised and not isinstance(serve_upper, Program):  # a program has no threads of Python's to see
        report.check(not errors,
                     "no exception escaped your server's threads (one client reset, one fell silent)"
                     if not errors else f"an exception escaped a thread: {errors[0]}",
                     _thread_hint(errors))
    if exercised:  # no hygiene ticks for a server that did not meet every client
        report.check(not left and not collected, "every client socket your server accepted was closed",
                     "close each client's socket when you are done with it (a `with conn:` block "
                     "does it on every path)")
    return report.finish()


def _functional_cases(report: Report, server: ServerUnderTest | ProgramUnderTest, watch: Watch) -> bool:
    """Every case but the hygiene ones; True if the server met every client (it kept running)."""
    modes: list[float | None] = []
    hints = _hints(server, modes)
    port = server.port

    def look_at_sockets() -> None:
        modes.extend(sock.gettimeout() for sock in watch.left_open())

    raw_bytes = [Hint(lambda o: not o.value, RAW_BYTES)]

    def part_taken(outcome: Outcome) -> bool:
        """Blocking sockets, and only part came back: send() took part, and the rest was never sent."""
        return (0.0 not in modes and isinstance(outcome, Reply) and outcome.ended != "complete"
                and 0 < len(outcome.value) < len(PARTIAL))

    cases: list[tuple[str, Callable[[], Reply], bytes, list[Hint]]] = [   # the last: the case's own first hints
        ("one client: b'hello\\n' comes back as b'HELLO\\n'",
         lambda: _converse(port, [(b"hello\n", 6)]), b"HELLO\n", []),
        ("one client, two messages, the second sent after the first reply: both come back",
         lambda: _converse(port, [(b"one\n", 4), (b"two\n", 4)]), b"ONE\nTWO\n", []),
        (f"bytes with no newline, and not UTF-8: {RAW!r} comes back as {RAW.upper()!r}",
         lambda: _converse(port, [(RAW, len(RAW))]), RAW.upper(), raw_bytes),
        ("an 8 MB message, read late: it comes back whole, in capitals",
         lambda: big(port, look_at_sockets), BIG.upper(), []),
        ("a client closes its sending side: it gets its reply, then your server closes too",
         lambda: half_close(port), b"BYE\n", []),
        ("after a client reset its connection, the next client is served",
         lambda: after_reset(port), b"HELLO\n", []),
        (f"{len(PARTIAL) // 1000} kB read late, with a small send buffer on your server's side, where "
         f"send() takes only part of what it is given: it comes back whole"
         if isinstance(server, ServerUnderTest) else   # a program's buffers are its own: the check cannot shrink them
         f"{len(PARTIAL) // 1000} kB read late: it comes back whole",
         lambda: with_small_send_buffer(server, lambda: big(port, look_at_sockets, PARTIAL)),
         PARTIAL.upper(), [Hint(part_taken, SEND_PART)]),
        ("while one client sends much and reads nothing back, another client is served",
         lambda: while_one_does_not_read(server, port), b"HELLO\n",
         [Hint(lambda o: isinstance(o, Reply) and o.ended == "timeout" and not o.value, STUCK)]),
    ]
    for what, talk, expected, own_hints in cases:
        if not server.alive:
            if any(not result.ok for result in report.results):
                report.skip(what, "your server is no longer running")
            else:
                report.case(what, server.dead(), expected, hints, function="serve_upper")
            if getattr(server, "start_error", None) is not None:
                return False  # a program that never served: one line says it all
            continue
        try:
            outcome = talk()
        except OSError as error:   # the client could not connect or talk (a listener closed early): a verdict
            outcome = Reply(value=b"", ended="refused", words=f"the client got {type(error).__name__}")
        if outcome.value != expected:
            server.settle()  # a server that is dying gets to say why, for the hint
        if not server.alive and outcome.value != expected:
            outcome.words += "; " + server.dead().describe()
        report.case(what, outcome, expected, [*own_hints, *hints], function="serve_upper")
        if report.stopped:
            return False
    stop_what = (f"a client stays connected and silent until stop is set: your server returns, "
                 f"and has closed that connection, within {STOP_GRACE:g} s")
    if not server.alive:
        report.skip(RACE, "your server is no longer running")
        report.skip(stop_what, "your server is no longer running")
        return False
    try:
        silent = socket.create_connection((LOOPBACK, port), timeout=REPLY_TIMEOUT)
    except OSError as error:
        for what in (RACE, stop_what):
            report.skip(what, f"a client could not connect: {type(error).__name__}")
        return False
    try:
        _race(report, server)
        quiet = quiesce(port)   # every other client dealt with: only the silent one is left
        server.wait_until_idle(QUIESCE_TIMEOUT)   # and the loop is back where it waits
        stopped = server.stop(idle=silent)
    finally:
        silent.close()
    if quiet is False and stopped.value:   # a late event may have woken the loop, not stop
        stopped.value = False
        stopped.unquiet = True
        stopped.words = (f"the last client before stop closed its side and your server had not closed "
                         f"that connection {QUIESCE_TIMEOUT:g} s later, so the check could not see whether "
                         f"stop alone ends your loop")
    report.case(stop_what, stopped, True, _stop_hints())
    return True


def _race(report: Report, server: ServerUnderTest | ProgramUnderTest) -> None:
    # patience: the slow client sends after 1 s at the latest, well within the worked
    # solution's 1.5 s client timeout, so it is never dropped for its silence.
    race = time_clients(server.port, fast=6, slow_delay=0.5, message=b"hi\n", expected=b"HI\n",
                        timeout=REPLY_TIMEOUT, patience=1.0)
    done = race.fast_before_slow_sent
    outcome = Reply(value=done == len(race.fast), ended="complete",
                    words=f"{done} of the 6 fast ones were answered before the slow one sent")
    report.case(RACE, outcome, True, [
        Hint(lambda o: done == 0,
             "serving one client at a time makes everyone wait for the slow one: start a thread "
             "per client, or watch every socket with selectors"),
        Hint(always, "every client must be served while another one is slow: do not wait on one "
                     "client while others are ready"),
    ])
    report.case("the slow client was answered too",
                Reply(value=race.slow < float("inf"), words="it got no reply"), True,
                [Hint(always, "keep serving a client until it closes, however slow it is")])

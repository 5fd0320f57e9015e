r"""Self-check for notebook 09, the lab: a key-value server, tried the way the world would try it.

Why: a server that answers one polite client is half done. Real clients send
a command in pieces or several at once, close or reset in the middle of a
command, fall silent, send lines that never end, declare absurd or malformed
lengths, and send bytes that are not text. ``check_kv_server`` starts the
student's ``serve_kv(listener, stop, idle_timeout)`` in a background thread
and meets it with each of those clients, one case at a time (``lab_cases``,
``lab_crowd``), then stops it twice: once idle, once with a client connected.
Every case prints one line in plain words, with a hint chosen by what went
wrong; every wait is bounded, so a broken server makes cases fail, never hangs.

The protocol (defined in the notebook, repeated here because the check tests it):

+-------------------------------------------+---------------------------------------------------+
| client sends                              | server replies                                    |
+===========================================+===================================================+
| ``SET <key> <length>\n`` + value          | ``OK\n`` once all ``<length>`` bytes have arrived |
+-------------------------------------------+---------------------------------------------------+
| ``GET <key>\n``                           | ``VALUE <length>\n`` + value, or ``NOT_FOUND\n``  |
+-------------------------------------------+---------------------------------------------------+
| ``DEL <key>\n``                           | ``DELETED\n`` or ``NOT_FOUND\n``                  |
+-------------------------------------------+---------------------------------------------------+
| an unknown command; a GET or DEL with a   | ``ERROR <reason>\n``; the connection stays open   |
| wrong number of words or an empty word;   |                                                   |
| a line that is not printable UTF-8        |                                                   |
+-------------------------------------------+---------------------------------------------------+
| a malformed SET: a wrong number of words, | ``ERROR <reason>\n``, then the server hangs up:   |
| an empty word, a character that is not    | it cannot tell where the value ends, and          |
| printable, a length that is not ASCII     | reading on would run its bytes as commands        |
| digits                                    |                                                   |
+-------------------------------------------+---------------------------------------------------+
| a line over ``MAX_LINE`` bytes            | ``ERROR <reason>\n``, then the server hangs up    |
+-------------------------------------------+---------------------------------------------------+
| a length over ``MAX_VALUE``               | ``ERROR <reason>\n``, then the server hangs up    |
+-------------------------------------------+---------------------------------------------------+

Lines end with ``\n`` (a ``\r`` before it is dropped; empty lines are
ignored) and are at most ``MAX_LINE`` bytes, a ``\r`` included. Words are
separated by single spaces; every character is printable (no tab, no control
character); command names are upper case. A length is one or more ASCII
digits, leading zeros allowed, at most ``MAX_VALUE``. A client that sends
nothing for ``idle_timeout`` seconds is disconnected; one that closes its
sending side gets a reply to every complete command, then the server closes.
The caller owns the listener and closes it after ``serve_kv`` returns.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import Callable, Iterator

from . import Hint, Report, Watch, always, is_unwritten
from .lab_cases import CASES, KVOutcome, cause
from .lab_client import HANG_UP_TIMEOUT, IDLE_TIMEOUT, MAX_LINE, MAX_VALUE, Failed, KVClient
from .program import Program, program_hints
from .server_under_test import Stopped, closed_within, under_test

__all__ = ["MAX_LINE", "MAX_VALUE", "IDLE_TIMEOUT", "HANG_UP_TIMEOUT", "ServeKV", "serving",
           "check_kv_server"]

ServeKV = Callable[[socket.socket, threading.Event, float], None]

#: Seconds ``serve_kv`` may take to return after ``stop`` is set.
STOP_GRACE = 2.0

#: The idle timeout of the server stopped with a client connected: far longer
#: than the stop may take, so only a stop that wakes its client threads
#: (``shutdown``) ends them in time, not their own timeout.
LONG_IDLE = 60.0

#: Seconds the connected client stays quiet before stop is set, as an idle client does.
IDLE_BEFORE_STOP = 0.2

#: Seconds the check waits at most, after that, until the server's threads all wait (in
#: recv(), accept(), on an event...), as an idle server's do (``thread_states``). Then a
#: stop that only close()s the idle client's socket from another thread (which does not
#: wake a recv()) fails on every run: with its thread still on its way back to recv(), the
#: close would end it, by luck. Only a thread that never waits makes the check wait this long.
IDLE_WAIT = 5.0

#: Failed cases after which the rest are not tried: fix those first (and wait less).
MAX_FAILURES = 6

UNWRITTEN = "write serve_kv() first: fill in its cell, run that cell, then run this one again"


#: Every case's first hint after the server's death: an ERROR with nothing after it.
NO_REASON = Hint(cause("no_reason"), "reply ERROR, a space and a reason for a human (ERROR unknown command), "
                                     "then the newline: a bare ERROR tells the client nothing")


@contextlib.contextmanager
def serving(serve_kv: ServeKV, idle_timeout: float = IDLE_TIMEOUT) -> Iterator[int]:
    """Run ``serve_kv(listener, stop, idle_timeout)`` in the background; yield its port.

    A stub raises ``NotImplementedError`` at once, before any client waits
    for it. Leaving the block sets ``stop`` and waits (at most 2 s) for the
    function to return; if it raised, did not return, or an exception escaped
    one of its threads, that is raised here as a ``RuntimeError`` in words.
    """
    if is_unwritten(serve_kv):
        raise NotImplementedError(UNWRITTEN)
    with Watch(timeout=None) as watch:
        with under_test(serve_kv, watch, "serve_kv", STOP_GRACE, "serve_kv", idle_timeout) as server:
            if isinstance(server.error, NotImplementedError):
                raise NotImplementedError(UNWRITTEN)
            if not server.alive:
                raise RuntimeError(server.dead().describe())
            yield server.port
            stopped = server.stop()
    problems = [stopped.describe()] if not stopped.value else []
    if watch.thread_errors:
        problems.append(f"an exception escaped a thread: {watch.thread_errors[0]}")
    if problems:
        raise RuntimeError("; ".join(problems))


# ------------------------------------------------------------------ timing
def _silent_client(report: Report, port: int, idle_timeout: float) -> None:
    """A client that sends nothing: others must be served meanwhile, and it must be cut off."""
    try:
        silent = KVClient(port, timeout=idle_timeout + 2.0)
    except Failed as failure:
        for what in ("while one client is silent, others are served",
                     f"a silent client is disconnected after the idle timeout ({idle_timeout:g} s)"):
            report.skip(what, str(failure))
        return
    try:
        try:
            # Answered well before the silent client's idle timeout could free the server.
            with KVClient(port, timeout=idle_timeout / 2) as other:
                other.send(b"SET busy 2\nno")
                other.expect(b"OK\n")
            outcome = KVOutcome()
        except Failed as failure:
            outcome = KVOutcome(failure)
        report.case("while one client is silent, others are served", outcome, True, [
            Hint(always, "a silent client must block only itself: a thread per client, or selectors")])
        closed = silent.closed_within(idle_timeout + 2.0)
    finally:
        silent.close()
    outcome = KVOutcome(None if closed else Failed(f"still connected after {idle_timeout + 2:g} s"))
    report.case(f"a silent client is disconnected after the idle timeout ({idle_timeout:g} s)", outcome,
                True, [Hint(always, "give each client's socket a timeout: sock.settimeout(idle_timeout)")])


def _stop_hints() -> list[Hint]:
    def listener_blocking(outcome: object) -> bool:
        return isinstance(outcome, Stopped) and not outcome.returned and outcome.listener_timeout is None

    def client_waits(outcome: object) -> bool:
        return isinstance(outcome, Stopped) and bool(outcome.open_timeouts)

    return [
        Hint(lambda o: isinstance(o, Stopped) and o.program,
             "the kit stops your program with SIGTERM: leave its default action (the program ends), or "
             "end the loop in your handler and exit; a child process (fork) must end with it"),
        Hint(listener_blocking, "accept() without a timeout never lets your loop look at stop: "
                                "listener.settimeout(0.1)"),
        Hint(client_waits, "when stop is set, shut down each client's socket "
                           "(sock.shutdown(socket.SHUT_RDWR)) to wake its thread, then join it: "
                           "joining alone waits for the idle timeout"),
        Hint(always, "look at stop.is_set() at least every 0.1 s (listener.settimeout(0.1)), and "
                     "wake the client threads (shut down their sockets) before you join them"),
    ]


def _idle_client_at_stop(report: Report, serve_kv: ServeKV | Program, watch: Watch) -> None:
    with under_test(serve_kv, watch, "serve_kv-idle", STOP_GRACE, "serve_kv", LONG_IDLE) as server:
        if isinstance(serve_kv, Program) and not server.alive:
            report.case(f"stop is set while a client is connected and idle: {server.function} stops in time",
                        server.dead(), True, program_hints())
            return
        what = (f"stop is set while a client is connected and idle (idle timeout {LONG_IDLE:g} s): "
                f"serve_kv returns, and has closed that connection, within {STOP_GRACE:g} s")
        try:
            idle = KVClient(server.port)
        except Failed as failure:
            report.skip(what, str(failure))
            return
        with idle:
            try:
                idle.send(b"GET x\n")
                idle.expect(b"NOT_FOUND\n")  # accepted, served, and now idle
            except Failed:
                pass  # the cases above have said what is wrong with that
            closed_within(idle.sock, IDLE_BEFORE_STOP)   # quiet for a moment (a server closing it early: stop says so)
            server.wait_until_idle(IDLE_WAIT)   # its thread back in recv(), however loaded the machine
            stopped = server.stop(idle=idle.sock)
    report.case(what, stopped, True, _stop_hints())


# ------------------------------------------------------------------- check
def _thread_hint(errors: list[str]) -> str:
    first = errors[0] if errors else ""
    if first.startswith("UnicodeDecodeError"):
        return "catch UnicodeDecodeError when you decode a command line, and reply ERROR"
    if first.startswith("ValueError"):
        return ("int() raised for a length: check that it is ASCII digits first (str.isdigit() "
                "also accepts '²', which int() refuses)")
    if first.startswith("KeyError"):
        return ("a key vanished between two uses of the store: another client deleted it; hold the "
                "lock around every use of the store, and change the store before you reply")
    return ("catch OSError around a client's recv and sendall; an uncaught exception in a thread "
            "prints a traceback and leaves its socket open")


def check_kv_server(serve_kv: ServeKV | Program) -> Report:
    """Check ``serve_kv(listener, stop, idle_timeout)`` from notebook 09, case by case.

    ``serve_kv`` may also be a ``Program`` (``./serve_kv PORT IDLE_TIMEOUT``, stopped by SIGTERM):
    see ``program.py``.
    """
    report = Report("serve_kv")
    if report.unwritten(serve_kv):
        return report
    with Watch(timeout=None) as watch:
        with under_test(serve_kv, watch, "serve_kv", STOP_GRACE, "serve_kv", IDLE_TIMEOUT) as server:
            died = program_hints(lambda o: o.error or server.error)
            for case in CASES:
                failed = len(report.failures)
                if not server.alive:
                    if failed:
                        report.skip(case.title, "your server is no longer running")
                    else:
                        report.case(case.title, server.dead(), True, [*died, NO_REASON, *case.hints], function="serve_kv")
                    if getattr(server, "start_error", None) is not None:
                        return report.finish()  # a program that never served: one line says it all
                    continue
                if failed >= MAX_FAILURES or (case.after_previous and not report.results[-1].ok):
                    report.skip(case.title, "fix the failures above first")
                    continue
                try:
                    case.run(server.port)
                    outcome = KVOutcome()
                except Failed as failure:
                    outcome = KVOutcome(failure)
                report.case(case.title, outcome, True, [*died, NO_REASON, *case.hints], function="serve_kv")
                if report.stopped:
                    return report
            served = any(result.ok for result in report.results)   # hygiene ticks only for a server that served
            if not server.alive:
                return report.finish()
            _silent_client(report, server.port, IDLE_TIMEOUT)
            report.case(f"serve_kv returns within {STOP_GRACE:g} s after stop is set", server.stop(), True,
                        _stop_hints())
        _idle_client_at_stop(report, serve_kv, watch)
        errors = list(watch.thread_errors)
        left = len(watch.left_open()) + getattr(server, "unclosed", 0)
        watch.close_all()
        collected = watch.count_collected()
    if not served:
        return report.finish()
    if not isinstance(serve_kv, Program):  # a program has no threads of Python's to see
        report.check(not errors, "no exception escaped your server's threads" if not errors
                     else f"an exception escaped a thread: {errors[0]}", _thread_hint(errors))
    report.check(not left and not collected, "every client socket your server accepted was closed",
                 "close each client's socket when you are done with it (a `with sock:` block)")
    return report.finish()

"""Self-checks for notebook 02, Client and server: ``ask`` (here) and ``serve_n`` (in ``server_loop``).

Two exercises, each run against the other side played for real:

* ``check_ask(ask)``: the student writes a client, ``ask(port, question)``,
  for a small line-based calculator service. The check starts that service
  (a ``Server`` running ``calculator``, one thread per client) and asks it
  questions: short answers, a long answer the server sends in pieces with
  pauses, and five clients asking at once (the server holds their answers
  until all five questions are in, so the five calls overlap on every run).
  It also looks at the client's socket while its question is answered: a
  client that connected without a timeout of its own is told so.
* ``check_serve_n(serve_n)``: the student writes a server loop that accepts
  ``n`` clients one after another and records what each sent, keyed by the
  address ``accept()`` returned. The check plays four real clients at once:
  one sends in pieces, one sends 100 000 bytes, one sends nothing at all.
  That check lives in ``server_loop`` and is handed on from here, so the
  notebook imports both from this module.

Why the calculator waits so long for an idle client (``SERVER_IDLE``): the
classic wrong client reads until the server closes instead of stopping at
the answer's ``b"\\n"``. A server that gave up on idle clients sooner than the
client's own timeout would close the connection and rescue it, and the
mistake would pass. So the server waits far longer than any call may take,
each call has a deadline, and a call still running then is ended by shutting
down its sockets (``on_hang=watch.wake``). The server also records what it
heard on each connection, so that a hint can tell "you never ended the
question with b'\\n'" from "you waited for the close after the answer".
"""

from __future__ import annotations

import contextlib
import math
import numbers
import socket
import threading
from dataclasses import dataclass
from typing import Callable

from ..exercise_guard import guarded
from ..servers import Connection, Server
from . import Hint, Outcome, Report, Watch, always, attempt, hung, raised
from .program import Program, ProgramHung, ProgramNotFound, program_hints
from .server_loop import check_serve_n
from .tcp_table import send_each_once_read

__all__ = ["Heard", "calculate", "calculator", "check_ask", "check_serve_n"]

#: Seconds any one call of the student's code may take (and every socket's
#: timeout while a check runs). Every answer is local and takes
#: milliseconds; a call still running then waits for something that will not come.
TIMEOUT = 2.0

#: The calculator's idle timeout: far longer than any call may take, so that
#: a client waiting for the server to close is caught waiting, not rescued.
SERVER_IDLE = 30.0

#: Longest question the calculator reads before it gives up on a client
#: that never ends its line.
MAX_QUESTION = 1000

#: The timeout the check's ``Watch`` gives every socket the student's code
#: makes without one (its safety net: no call can wait for ever). A value no
#: one types (2.001 s), so that a client's own timeout, ``timeout=2``
#: included, is told apart from the kit's. (A socket keeps its timeout in whole
#: nanoseconds, so it is compared to within one.)
KIT_TIMEOUT = TIMEOUT + 0.001

#: Seconds the calculator holds the answers of the five clients asking at
#: once while it waits for all five questions: five local clients ask within
#: milliseconds; the bound only keeps a client that never asks from holding
#: the others' answers beyond their deadline.
GATHER_WAIT = TIMEOUT / 2

#: Answers longer than ``SHORT_ANSWER`` bytes go out ``PIECE`` bytes at a
#: time, ``PIECE_PAUSE`` seconds apart, to catch a client that takes one
#: ``recv`` for the whole answer. Each piece waits, besides, until the client
#: has read the one before (``tcp_table``): on a loaded machine pieces sent
#: apart can still arrive together, and one ``recv`` would then get them all.
SHORT_ANSWER = 10
PIECE = 3
PIECE_PAUSE = 0.01


def calculate(question: str) -> str:
    """Answer ``"6 * 7"`` with ``"42"``: two whole numbers and one of ``+ - *``."""
    parts = question.split()
    if len(parts) == 3 and parts[1] in ("+", "-", "*"):
        try:
            a, b = int(parts[0]), int(parts[2])
        except ValueError:
            pass
        else:
            return str({"+": a + b, "-": a - b, "*": a * b}[parts[1]])
    return "error: ask like 6 * 7"


@dataclass
class Heard:
    """What the calculator heard on one connection, for hints by cause."""

    received: int = 0  # bytes
    questions: int = 0  # complete lines
    answers: int = 0  # answers sent whole


def calculator(conn: Connection, heard: list[Heard] | None = None,
               before_answer: Callable[[Connection], None] | None = None) -> None:
    """Read questions, one line each; answer each with one line; until the client closes.

    Short answers go out in one ``sendall``; longer ones in pieces, as a slow
    network could deliver them. If ``heard`` is given, a ``Heard`` for this
    connection is appended to it and kept up to date. ``before_answer(conn)``,
    if given, is called once each question is in and before it is answered:
    the client is then waiting for its answer.
    """
    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # each piece leaves at once
    record = Heard()
    if heard is not None:
        heard.append(record)
    buffer = b""
    while True:
        while b"\n" not in buffer:
            if len(buffer) > MAX_QUESTION:
                conn.sendall(b"error: question too long\n")
                return
            data = conn.recv(4096)
            if not data:
                return  # the client closed: we are done
            record.received += len(data)
            buffer += data
        line, _, buffer = buffer.partition(b"\n")
        record.questions += 1
        if before_answer is not None:
            before_answer(conn)
        answer = calculate(line.decode("utf-8", "replace")).encode("utf-8") + b"\n"
        if len(answer) <= SHORT_ANSWER:
            conn.sendall(answer)
        else:
            pieces = [answer[start : start + PIECE] for start in range(0, len(answer), PIECE)]
            if not send_each_once_read(conn.sock, conn.sendall, pieces, TIMEOUT / 2, PIECE_PAUSE, conn.sleep):
                return  # the server is stopping
        record.answers += 1


# ---------------------------------------------------------------------- ask
class _Gathering:
    """Holds each answer until ``count`` questions are in (or ``GATHER_WAIT`` seconds pass).

    Why: five clients started together may still run one after another on a
    busy machine, and then a client that keeps its bytes in a global buffer
    shared by every call gets its own answer. Held answers make the five calls
    overlap: every client has sent its question before any answer arrives.
    """

    def __init__(self, count: int) -> None:
        self._count = count
        self._arrived = 0
        self._condition = threading.Condition()

    def arrive(self) -> None:
        with self._condition:
            self._arrived += 1
            self._condition.notify_all()
            self._condition.wait_for(lambda: self._arrived >= self._count, timeout=GATHER_WAIT)


class _TimeoutSpy:
    """Reads the timeout of the student's socket at the other end of a connection, while it waits for its answer.

    The socket is found among those ``Watch`` saw the student's code make, by
    its address (the connection's peer). Read while the client waits, the
    timeout is the one it asks with; a socket made without one has the kit's
    ``KIT_TIMEOUT``.
    """

    def __init__(self, watch: Watch) -> None:
        self.watch = watch
        self.seen: list[float | None] = []
        self._lock = threading.Lock()

    def __call__(self, conn: Connection) -> None:
        try:
            peer = conn.sock.getpeername()
        except OSError:
            return
        for sock in self.watch.sockets():
            with contextlib.suppress(OSError):
                if sock.getsockname() == peer:
                    with self._lock:
                        self.seen.append(sock.gettimeout())
                    return

    def all_own(self) -> bool:
        """Every client socket seen had a timeout of its own."""
        with self._lock:
            return all(seen is not None and not math.isclose(seen, KIT_TIMEOUT, abs_tol=1e-9)
                       for seen in self.seen)


def _ask_hints(heard: list[Heard], answers: set[str], expected: str) -> list[Hint]:
    """Hints for one ask case; ``heard`` holds the connections this case opened."""

    def waiting(outcome: Outcome) -> bool:
        return hung(outcome) or outcome.raised(TimeoutError)

    def waited_after_answer(outcome: Outcome) -> bool:
        return waiting(outcome) and any(h.answers for h in heard)

    def no_newline(outcome: Outcome) -> bool:
        return waiting(outcome) and any(h.received for h in heard) and not any(h.questions for h in heard)

    def is_str(outcome: Outcome) -> bool:
        return outcome.ok and isinstance(outcome.value, str)

    def is_number(outcome: Outcome) -> bool:
        return outcome.ok and isinstance(outcome.value, numbers.Number) and not isinstance(outcome.value, bool)

    def another_clients(outcome: Outcome) -> bool:
        """Its text is, or holds as one of its lines, another client's answer."""
        return is_str(outcome) and any(line in answers for line in outcome.value.split("\n"))

    return [
        *program_hints(),
        Hint(waited_after_answer,
             "the server keeps the connection open after its answer, waiting for your next "
             "question: stop receiving once the answer's b'\\n' has arrived, instead of "
             "waiting for b'' (the close)"),
        Hint(no_newline,
             "end the question with b'\\n': the server reads until it sees one, so without "
             "it the server waits, and so do you"),
        Hint(waiting, "send the whole question, b'\\n' included (sendall), then receive until "
                      "the answer's b'\\n'"),
        Hint(raised(ConnectionRefusedError), "connect to ('127.0.0.1', port), the port ask() is given"),
        Hint(lambda o: is_str(o) and o.value == expected + "\n",
             "return the answer without its b'\\n': .rstrip('\\n')"),
        Hint(lambda o: o.ok and isinstance(o.value, (bytes, bytearray)),
             "return a str: decode the answer with .decode('utf-8')"),
        Hint(is_number,
             "return a str, the answer's text as the server sent it, not a number made with int(): "
             "an answer such as 'error: ask like 6 * 7' is no number"),
        Hint(lambda o: is_str(o) and " " in expected and o.value == expected.split()[0],
             "return the whole answer line, spaces and all (only its b'\\n' comes off): do not split it "
             "into words"),
        Hint(lambda o: is_str(o) and bool(expected) and o.value == expected[:-1],
             "the answer's last character is missing: its line ends with b'\\n' alone, not b'\\r\\n', so "
             "take off that one byte (.rstrip('\\n')), not two"),
        Hint(lambda o: is_str(o) and o.value != expected and expected.endswith(o.value),
             "that is only the end of the answer, its last piece: each recv() returns the next piece, "
             "so add it to what you have (answer += chunk) instead of replacing it (answer = chunk)"),
        Hint(lambda o: is_str(o) and o.value != expected and expected.startswith(o.value.rstrip("\n")),
             "one recv() returns whatever has arrived so far, maybe part of the answer: keep "
             "receiving until you see b'\\n'"),
        Hint(another_clients,
             "that holds another client's answer: keep the socket and the bytes of each call in "
             "local variables, not in globals shared by every call"),
        Hint(always, "send the question and b'\\n' with sendall, receive until the answer's "
                     "b'\\n', close, and return the text before it"),
    ]


def _all_at_once(ask: Callable[[int, str], str], port: int, questions: list[str]) -> list[Outcome]:
    """Every question asked at the same moment, each by a client in its own thread."""
    outcomes: list[Outcome] = [Outcome(hung=True, deadline=TIMEOUT) for _ in questions]
    start = threading.Barrier(len(questions), timeout=TIMEOUT)

    def client(index: int) -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            start.wait()
        outcomes[index] = attempt(ask, port, questions[index])

    threads = [threading.Thread(target=client, args=(i,), name=f"sockutil-check:ask-{i}", daemon=True)
               for i in range(len(questions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()  # the caller's deadline bounds the whole
    return outcomes


#: Seconds a client program may run, a little under a call's deadline: it is
#: killed and reported (``ProgramHung``, a ``TimeoutError``) before the check
#: gives up on the call, so no process outlives its case.
PROGRAM_TIMEOUT = TIMEOUT - 0.25


@guarded("ask")   # the kit's own version of ask is refused (sockutil/exercise_guard.py)
def check_ask(ask: Callable[[int, str], str] | Program) -> Report:
    """Check ``ask(port, question) -> answer`` against a real calculator server.

    ``ask`` may also be a ``Program``: ``./ask PORT QUESTION`` prints the answer (see ``program.py``).
    """
    report = Report("ask")
    if report.unwritten(ask):
        return report
    program = isinstance(ask, Program)  # its sockets die with it: the kernel closes them, not its code
    if isinstance(ask, Program):
        ask = ask.client(PROGRAM_TIMEOUT, decode=True)
    heard: list[Heard] = []
    cases = [
        ("ask(port, '6 * 7') == '42'", "6 * 7"),
        ("ask(port, '2 + 3') == '5'", "2 + 3"),
        ("ask(port, 'hello') == 'error: ask like 6 * 7', the whole answer", "hello"),
        (f"a long answer sent in pieces, {PIECE_PAUSE * 1000:g} ms apart, comes back whole",
         "123456789 * 987654321"),
    ]
    together = [f"{i} * 11" for i in range(1, 6)]
    gathering: list[_Gathering] = []  # while the five ask at once: holds their answers

    def before_answer(conn: Connection) -> None:
        spy(conn)
        for gather in gathering:
            gather.arrive()

    service = lambda conn: calculator(conn, heard, before_answer)  # noqa: E731 - the server's handler
    with Watch(KIT_TIMEOUT) as watch, Server(service, name="check-ask", idle_timeout=SERVER_IDLE) as server:
        spy = _TimeoutSpy(watch)
        stuck = False
        for what, question in cases:
            if stuck:  # one wait teaches what the next would: do not make the student wait again
                report.skip(what)
                continue
            heard.clear()
            outcome = attempt(ask, server.port, question, deadline=TIMEOUT, on_hang=watch.wake)
            expected = calculate(question)
            report.case(what, outcome, expected, _ask_hints(list(heard), set(), expected), function="ask")
            stuck = outcome.hung or outcome.raised(ProgramHung, ProgramNotFound) or report.stopped
        what = "five clients asking at the same time each get their own answer"
        if stuck:
            report.skip(what)
        else:
            heard.clear()
            gathering.append(_Gathering(len(together)))
            outer = attempt(_all_at_once, ask, server.port, together, deadline=2 * TIMEOUT,
                            on_hang=watch.wake)
            question, outcome = together[0], outer
            if outer.ok:
                wrong = [(q, o) for q, o in zip(together, outer.value)
                         if not (o.ok and o.value == calculate(q))]
                wrong.sort(key=lambda pair: not pair[1].ok)  # a wrong answer says more than an error
                question, outcome = wrong[0] if wrong else (together[0], outer.value[0])
                outcome.note = f"ask(port, {question!r})"
            expected = calculate(question)
            answers = {calculate(q) for q in together} - {expected}
            report.case(what, outcome, expected, _ask_hints(list(heard), answers, expected), function="ask")
        closed = watch.all_closed(server)
    if not program:
        report.tidy(
            closed,
            "every connection was closed by your code",
            "close the socket when you have the answer (a `with` block does it for you); "
            "a socket left for Python's garbage collector to close counts as not closed",
        )
        if spy.seen:
            report.tidy(
                spy.all_own(),
                "your client connected with a timeout of its own",
                "give the socket a timeout when you connect (socket.create_connection(address, "
                "timeout=5)): without one, a server that never answers makes ask() wait for ever",
            )
    return report.finish()

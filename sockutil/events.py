"""Records of what happened: numbered events in a bounded, thread-safe log.

Why: a background server must never print into a cell (its text would land in
whichever cell happens to be running). Instead it records events here, and the
notebook shows them on purpose, when it chooses. Events are numbered in the
order they were recorded and connections are named ``c1``, ``c2``, ... in the
order they were accepted, so a notebook can print them without ports or times
and get the same text on every run.

Timestamps are kept (``t_ns``, nanoseconds since the log was created, from
``time.perf_counter_ns``, which is monotonic and fine-grained on every OS) for
plots and measurements, but ``str(event)`` leaves them out.

This module imports only the standard library: no sockets, no threads of its
own.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

__all__ = [
    "Event",
    "EventLog",
    "ConnectionSummary",
    "summarize",
    "LISTENING",
    "OPENED",
    "RECEIVED",
    "SENT",
    "CLOSED",
    "PEER_CLOSED",
    "IDLE_TIMEOUT",
    "REFUSED",
    "ERROR",
    "STOPPED",
]

# The kinds of event. Plain strings, so a student can compare with "received".
LISTENING = "listening"  # the server's socket listens
OPENED = "opened"  # accept() handed over a new connection
RECEIVED = "received"  # recv() returned bytes
SENT = "sent"  # bytes handed to the kernel with sendall()
CLOSED = "closed"  # the server closed the connection (handler finished)
PEER_CLOSED = "closed by peer"  # recv() returned b"" or the peer reset the connection
IDLE_TIMEOUT = "idle timeout"  # nothing arrived for the idle timeout; the server closed
REFUSED = "refused"  # accepted then closed at once: too many connections
ERROR = "error"  # a handler raised; the server keeps serving
STOPPED = "stopped"  # the server stopped

#: How many bytes of payload an event keeps for display. Counting uses ``nbytes``.
PREVIEW_BYTES = 64

_ENDINGS = (CLOSED, PEER_CLOSED, IDLE_TIMEOUT, REFUSED)


@dataclass(frozen=True)
class Event:
    """One thing that happened. ``str(event)`` is stable from run to run."""

    seq: int
    kind: str
    conn: str | None = None
    nbytes: int = 0
    data: bytes = b""
    detail: str = ""
    t_ns: int = field(default=0, compare=False)

    def __str__(self) -> str:
        parts = [f"#{self.seq}", self.conn or "server", self.kind]
        if self.kind in (RECEIVED, SENT):
            parts.append(f"{self.nbytes} bytes")
            shown = repr(self.data)
            if self.nbytes > len(self.data):
                shown += "..."
            parts.append(shown)
        if self.detail:
            parts.append(self.detail)
        return " ".join(parts)


class EventLog:
    """A bounded log of events, safe to write and read from any thread.

    Only the newest ``maxlen`` events are kept (a server that runs for hours
    must not grow without end); ``dropped`` says how many fell off the front.
    Sequence numbers keep counting, so a gap is visible.
    """

    def __init__(self, maxlen: int = 1000) -> None:
        if maxlen < 1:
            raise ValueError("maxlen must be at least 1")
        self._events: deque[Event] = deque(maxlen=maxlen)
        self._changed = threading.Condition()
        self._next_seq = 1
        self._t0 = time.perf_counter_ns()
        self._listeners: list[Callable[[Event], None]] = []

    def record(
        self,
        kind: str,
        conn: str | None = None,
        *,
        nbytes: int = 0,
        data: bytes = b"",
        detail: str = "",
    ) -> Event:
        """Append an event and wake everyone waiting for a change."""
        with self._changed:
            event = Event(
                seq=self._next_seq,
                kind=kind,
                conn=conn,
                nbytes=nbytes,
                data=bytes(data[:PREVIEW_BYTES]),
                detail=detail,
                t_ns=time.perf_counter_ns() - self._t0,
            )
            self._next_seq += 1
            self._events.append(event)
            listeners = list(self._listeners)
            self._changed.notify_all()
        for listener in listeners:
            # A listener (a widget, say) that fails must not break the server,
            # and must not print from this thread either.
            try:
                listener(event)
            except Exception:  # noqa: BLE001 - deliberately silent, see above
                pass
        return event

    def add_listener(self, listener: Callable[[Event], None]) -> None:
        """Call ``listener(event)`` after each new event, on the recording thread."""
        with self._changed:
            self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[Event], None]) -> None:
        with self._changed:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def snapshot(self) -> list[Event]:
        """A copy of the events kept, oldest first."""
        with self._changed:
            return list(self._events)

    def __iter__(self) -> Iterator[Event]:
        return iter(self.snapshot())

    def __len__(self) -> int:
        with self._changed:
            return len(self._events)

    @property
    def dropped(self) -> int:
        """How many events fell off the front because the log was full."""
        with self._changed:
            return self._next_seq - 1 - len(self._events)

    def wait_for(self, predicate: Callable[[list[Event]], bool], timeout: float) -> bool:
        """Block until ``predicate(events)`` is true or ``timeout`` seconds pass.

        Returns whether the predicate became true. Never waits without a bound.
        """
        with self._changed:
            return self._changed.wait_for(lambda: predicate(list(self._events)), timeout)

    def notify(self) -> None:
        """Wake waiters whose predicate may depend on state kept outside the log."""
        with self._changed:
            self._changed.notify_all()

    @property
    def condition(self) -> threading.Condition:
        """The condition notified on every change (for owners that wait on more state)."""
        return self._changed


@dataclass
class ConnectionSummary:
    """Totals for one connection: how TCP cut the stream varies, totals do not."""

    name: str
    received: int = 0
    sent: int = 0
    recv_calls: int = 0
    ending: str | None = None

    def __str__(self) -> str:
        ending = self.ending or "open"
        return f"{self.name}: received {self.received} bytes, sent {self.sent} bytes, {ending}"


def summarize(events: Iterable[Event]) -> dict[str, ConnectionSummary]:
    """Total the bytes of each connection, in the order connections appeared."""
    result: dict[str, ConnectionSummary] = {}
    for event in events:
        if event.conn is None:
            continue
        summary = result.setdefault(event.conn, ConnectionSummary(event.conn))
        if event.kind == RECEIVED:
            summary.received += event.nbytes
            summary.recv_calls += 1
        elif event.kind == SENT:
            summary.sent += event.nbytes
        elif event.kind == ERROR:
            summary.ending = ERROR
        elif event.kind in _ENDINGS and summary.ending != ERROR:
            # After a handler error the server still closes the connection;
            # the error is the more useful ending to report.
            summary.ending = event.kind
    return result

"""A background TCP server for lessons: real sockets, clean stops, recorded events.

Theory of operation
-------------------
``Server.start()`` binds and listens on the caller's thread, so "Address
already in use" is raised in the student's cell, not lost in a thread. It then
starts one daemon thread that accepts connections, and one daemon thread per
connection that runs the *handler*: a function ``handler(conn)`` that talks to
one client through a ``Connection``.

Stopping must not poll. The standard library's ``socketserver`` wakes up every
half second to check a flag, so its ``shutdown()`` takes up to 500 ms. Closing
a listening socket from another thread does not wake ``accept()`` on Linux, so
that is no way out either. Instead the listener is non-blocking and watched by
a ``selectors`` selector together with one end of a ``socket.socketpair()``
(pipes cannot be selected on Windows). ``stop()`` sets a flag, writes one byte
into the pair, and every waiting thread wakes at once. Connection threads
watch the same wake-up socket while they wait for data; ``stop()`` also shuts
down each connection's socket, which wakes a handler blocked in a raw
``sock.recv`` or ``sock.sendall``. Only the accept thread closes the listener;
only a connection's own thread closes its socket.

Re-running a notebook cell creates a new ``Server`` object, but the old one
lives on: its threads hold it. So servers have names, and starting a server
under a name that is already running stops the old one first (see
``registry``: one lock per name is held across find -> stop -> bind ->
register, so two starts at once cannot both run).

Start and stop are safe from any thread, at any moment, twice: a ``stop()``
during ``start()`` is never lost, and when ``stop()`` returns nothing of the
server runs any more (see ``lifecycle``). A failure while taking one
connection (out of file descriptors, "can't start new thread") closes it and
is recorded as an error event; the accept loop goes on.

Nothing here prints. What happens is recorded as events (see ``events``):
connection names ``c1``, ``c2``, ... and event numbers are given in order, so a
notebook can print them identically on every run. ``wait_idle()`` lets a cell
wait until every connection has ended before it prints.

The listen queue (``backlog``, 128 by default) holds connections that the
kernel has completed but ``accept()`` has not yet taken: clients that connect
in a burst, faster than the accept thread gets the interpreter's lock, wait
there. When it overflows, Linux drops the client's handshake and the client
retries only a second later.

Bounds: each connection closes after ``idle_timeout`` seconds without data;
at most ``max_connections`` are served at once (more are accepted and closed
at once, with a "refused" event); the event log keeps the newest
``max_events``.
"""

from __future__ import annotations

import selectors
import socket
import threading
import time
from typing import Callable, Union

from . import events as ev
from . import registry
from .connection import Connection, Connections
from .errors import describe_error
from .events import ConnectionSummary, Event, EventLog, summarize
from .handlers import get_handler
from .lifecycle import RUNNING, Lifecycle
from .names import LOOPBACK, host_port, listening_socket, unbracket
from .registry import THREAD_PREFIX, running_servers, stop_all

__all__ = ["Connection", "Server", "Handler", "serve", "running_servers", "stop_all"]

Handler = Callable[["Connection"], None]

#: After accept() fails (out of descriptors, say), wait this long before trying
#: again, so that the loop does not spin while the error lasts.
ACCEPT_RETRY_PAUSE = 0.05

#: The accept thread's wait is ended by the wake-up socket on stop(); this
#: bound is only there so that no call in the kit blocks forever.
ACCEPT_WAIT = 60.0


class Server:
    """A TCP server in background threads, for a lesson.

    >>> with Server("echo") as server:          # doctest: +SKIP
    ...     print(server.port)                  # the port the OS picked

    ``handler`` is a function ``handler(conn)`` or the name of a ready-made
    one in ``sockutil.handlers`` (``"echo"``, ``"upper"``, ``"hello"``,
    ``"chunky"``, ``"http"``). ``host`` defaults to 127.0.0.1 (loopback: not
    reachable from other machines); ``"::1"`` (or ``"[::1]"``) is IPv6's
    loopback. ``port`` 0 lets the OS pick a free port.
    ``name`` defaults to the handler's name; starting a second server under
    the same name stops the first.
    """

    def __init__(
        self,
        handler: Union[Handler, str],
        port: int = 0,
        host: str = LOOPBACK,
        *,
        name: str | None = None,
        idle_timeout: float = 30.0,
        max_connections: int = 32,
        backlog: int = 128,
        max_events: int = 1000,
    ) -> None:
        if isinstance(handler, str):
            handler_name = handler
            handler = get_handler(handler)
        else:
            handler_name = getattr(handler, "__name__", "handler")
        if idle_timeout <= 0:
            raise ValueError("idle_timeout must be positive (seconds)")
        if max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        self.handler: Handler = handler
        self.handler_name = handler_name
        self.name = name or handler_name
        self.host = unbracket(host)
        self.requested_port = port
        self.idle_timeout = idle_timeout
        self.max_connections = max_connections
        self.backlog = backlog
        self.log = EventLog(max_events)
        self._lock = self.log.condition  # one lock guards the log and the state below
        self._life = Lifecycle(self._lock, lambda point: self._at(point))
        self._listening_recorded = False
        self._listener: socket.socket | None = None
        self._accept_selector: selectors.BaseSelector | None = None
        self._queue_watch: selectors.BaseSelector | None = None  # for wait_idle
        self._address: tuple | None = None
        self._stopping = threading.Event()
        self._wake_r: socket.socket | None = None
        self._wake_w: socket.socket | None = None
        self._accept_thread: threading.Thread | None = None
        self._connections = Connections(self)
        self._accept_waiting = False

    def _at(self, point: str) -> None:
        """A point where another thread may get in between; a no-op.

        Tests replace it to force one interleaving every time. The
        ``"stop: waiting ..."`` points are called with the server's lock held.
        """

    # ------------------------------------------------------------------ start
    def start(self) -> Server:
        """Bind, listen and start accepting; return once the socket listens.

        Raises ``PortInUseError`` (an OSError) if the port is taken. If
        ``stop()`` is called meanwhile, returns with the server stopped.
        """
        self._life.begin_start(self.name)
        try:
            self._at("start: waiting for the name")
            with registry.claim(self.name):
                self._start_claimed()
        except BaseException:
            self._abandon_start()
            raise
        return self

    def _start_claimed(self) -> None:
        """find -> stop -> bind -> register, with the name's lock held."""
        # A server of this name that is still stopping (in another thread) may
        # still hold the port: its stop() waits until it is done.
        for old in running_servers(self.name) + registry.live_servers(self.name):
            if old is not self:
                old.stop()
        if self._life.stop_requested:
            return self._abandon_start()
        self._listener = listening_socket(self.host, self.requested_port, self.backlog)
        self._listener.setblocking(False)
        self._address = self._listener.getsockname()
        self._wake_r, self._wake_w = socket.socketpair()
        self._accept_selector = selectors.DefaultSelector()
        self._accept_selector.register(self._listener, selectors.EVENT_READ)
        self._accept_selector.register(self._wake_r, selectors.EVENT_READ)
        self._queue_watch = selectors.DefaultSelector()
        self._queue_watch.register(self._listener, selectors.EVENT_READ)
        thread = threading.Thread(
            target=self._accept_loop, name=f"{THREAD_PREFIX}{self.name}:accept", daemon=True
        )
        thread.sockutil_server = self  # type: ignore[attr-defined]
        self._accept_thread = thread
        if self._life.stop_requested:
            return self._abandon_start()
        # Recorded before the accept thread runs, so "listening" is always
        # event #1; a listener that calls stop() here is the starter itself.
        self._listening_recorded = True
        self.log.record(ev.LISTENING, detail=f"({self.handler_name})")
        if not self._life.go_running(thread.start):
            self._abandon_start()

    def _abandon_start(self) -> None:
        """Close what start() opened and end stopped (it never ran its thread)."""
        if self._life.abandon_start(self._close_unused):
            if self._listening_recorded:
                self.log.record(ev.STOPPED)
            self._life.finish_stop()

    def _close_unused(self) -> None:
        self._close_listener()
        if self._accept_selector is not None:
            self._accept_selector.close()
        for sock in (self._wake_r, self._wake_w):
            if sock is not None:
                sock.close()

    def _close_listener(self) -> None:
        """Close the listening socket and its watch (call with the lock held)."""
        if self._queue_watch is not None:
            self._queue_watch.close()
            self._queue_watch = None
        if self._listener is not None:
            self._listener.close()

    def __enter__(self) -> Server:
        if self._life.state == "new":
            self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ------------------------------------------------------------- properties
    @property
    def address(self) -> tuple[str, int]:
        """``(host, port)`` the server listens on."""
        if self._address is None:
            raise RuntimeError("the server has not been started")
        return self._address[0], self._address[1]

    @property
    def port(self) -> int:
        """The port the server listens on (the one the OS picked, if you asked for 0)."""
        return self.address[1]

    @property
    def url(self) -> str:
        """``http://host:port/``, handy for the HTTP handler."""
        return f"http://{host_port(*self.address)}/"

    @property
    def running(self) -> bool:
        return self._life.state == RUNNING

    @property
    def events(self) -> list[Event]:
        """A copy of the recorded events, oldest first."""
        return self.log.snapshot()

    @property
    def open_connections(self) -> list[str]:
        """Names of the connections being served right now."""
        with self._lock:
            return list(self._connections.open)

    def summary(self) -> dict[str, ConnectionSummary]:
        """Bytes in and out and the ending of each connection, in order."""
        return summarize(self.events)

    def transcript(self, data: bool = True) -> str:
        """The events as text, one per line; the same on every run."""
        lines = []
        for event in self.events:
            text = str(event)
            if not data and event.kind in (ev.RECEIVED, ev.SENT):
                text = f"#{event.seq} {event.conn} {event.kind} {event.nbytes} bytes"
            lines.append(text)
        return "\n".join(lines)

    def __repr__(self) -> str:
        where = f" on {host_port(self.host, self._address[1])}" if self._address else ""
        return f"<Server {self.name!r} ({self.handler_name}){where} {self._life.state}>"

    # ------------------------------------------------------------- waiting
    def wait_idle(self, timeout: float = 5.0) -> None:
        """Block until no connection is open or waiting to be accepted.

        Call it before printing events, so that the last ones are in. Raises
        ``TimeoutError`` if the server is still busy after ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                if self._life.state != RUNNING:
                    return
                if self._accept_waiting and not self._connections.open and not self._pending():
                    return
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    busy = ", ".join(self._connections.open) or "a connection waiting in the queue"
                    raise TimeoutError(
                        f"server {self.name!r} is still busy after {timeout} s ({busy})"
                    )
                # Notified on every event; the short bound covers a connection
                # that is still in the listen queue, which records nothing yet.
                self._lock.wait(min(remaining, 0.005))

    def _pending(self) -> bool:
        """Is a connection waiting in the listen queue? (Call with the lock held.)

        A selector, not ``select.select``: that fails for descriptors >= 1024.
        """
        return self._queue_watch is not None and bool(self._queue_watch.select(0))

    # ------------------------------------------------------------------ stop
    def stop(self, timeout: float = 2.0) -> None:
        """Close the listener and every connection, and join the threads.

        Safe to call twice, from any thread, at any moment (also during
        ``start()``, and from a handler). Returns within a few milliseconds
        unless a handler ignores the stop.
        """
        if self._life.begin_stop(timeout, self._own_threads):
            self._stop_running(timeout)

    def _own_threads(self) -> list[threading.Thread]:
        with self._lock:
            return [self._accept_thread, *self._connections.threads.values()]  # type: ignore[list-item]

    def _stop_running(self, timeout: float) -> None:
        current = threading.current_thread()
        self._stopping.set()
        try:
            self._wake_w.send(b"!")
        except OSError:  # pragma: no cover - the pair is ours; nothing to wake
            pass
        deadline = time.monotonic() + timeout
        stuck = []

        def join(thread: threading.Thread | None) -> None:
            if thread is None or thread is current or thread.ident is None:
                return  # nothing to join (never started), or ourselves
            thread.join(max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                stuck.append(thread.name)

        # First the accept thread: no connection is added once the state is
        # "stopping", and none is half-added once that thread has ended.
        join(self._accept_thread)
        for thread in self._connections.wake_all():
            join(thread)
        if stuck:
            self.log.record(ev.ERROR, detail=f"threads still running after stop: {', '.join(stuck)}")
        else:
            self._wake_r.close()
            self._wake_w.close()
        self.log.record(ev.STOPPED)
        self._life.finish_stop()

    # -------------------------------------------------------------- threads
    def _accept_loop(self) -> None:
        listener, selector = self._listener, self._accept_selector
        assert listener is not None and selector is not None
        try:
            while not self._stopping.is_set():
                with self._lock:
                    self._accept_waiting = True
                    self._lock.notify_all()
                ready = selector.select(ACCEPT_WAIT)
                with self._lock:
                    self._accept_waiting = False
                if self._stopping.is_set():
                    break
                if ready:
                    try:
                        self._accept_one(listener)
                    except Exception as error:  # noqa: BLE001 - recorded; the loop goes on
                        self.log.record(ev.ERROR, detail=f"accept failed: {describe_error(error)}")
        finally:
            selector.close()
            with self._lock:
                self._close_listener()
                self._accept_waiting = False
                self._lock.notify_all()

    def _accept_one(self, listener: socket.socket) -> None:
        try:
            sock, peer = listener.accept()
        except (BlockingIOError, InterruptedError, ConnectionAbortedError):
            return  # the client vanished between select and accept
        except OSError as error:  # out of file descriptors, say
            self.log.record(ev.ERROR, detail=f"accept failed: {type(error).__name__}")
            self._stopping.wait(ACCEPT_RETRY_PAUSE)
            return
        self._connections.admit(sock, peer)


def serve(handler: Union[Handler, str], port: int = 0, host: str = LOOPBACK, **options) -> Server:
    """Create and start a ``Server``; see its docstring for the options."""
    return Server(handler, port, host, **options).start()

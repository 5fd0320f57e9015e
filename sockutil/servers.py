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
under a name that is already running stops the old one first. The registry is
the list of live threads (``threading.enumerate()``), whose names begin with
``sockutil:<name>:``; it survives ``importlib.reload`` because it is not a
module variable.

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

import atexit
import select
import selectors
import socket
import threading
import time
from typing import Callable, Union

from . import events as ev
from .events import ConnectionSummary, Event, EventLog, summarize
from .handlers import get_handler
from .names import LOOPBACK, listening_socket

__all__ = ["Connection", "Server", "Handler", "serve", "running_servers", "stop_all"]

Handler = Callable[["Connection"], None]

_THREAD_PREFIX = "sockutil:"


class _Stopping(Exception):
    """Raised inside a handler's recv when the server is stopping."""


class _IdleTimeout(Exception):
    """Raised inside a handler's recv when the peer sent nothing for too long."""


class Connection:
    """One accepted client, as a handler sees it.

    ``sock`` is the real socket returned by ``accept()``; a handler may use it
    directly. The methods here do the same calls and also record events and
    respect the server's stop and idle timeout:

    * ``recv(bufsize)`` returns the bytes one ``recv`` call gave, or ``b""``
      once the peer has closed its side.
    * ``sendall(data)`` sends every byte.
    * ``sleep(seconds)`` pauses, but returns early (``False``) when the server stops.
    """

    def __init__(self, server: Server, sock: socket.socket, name: str, peer: tuple) -> None:
        self.server = server
        self.sock = sock
        self.name = name
        self.peer = peer
        self.peer_closed = False
        self._selector = selectors.DefaultSelector()
        self._selector.register(sock, selectors.EVENT_READ)
        self._selector.register(server._wake_r, selectors.EVENT_READ)

    @property
    def stopping(self) -> bool:
        """True once the server has been asked to stop."""
        return self.server._stopping.is_set()

    def recv(self, bufsize: int = 4096) -> bytes:
        """Wait for data (at most the idle timeout) and return what one ``recv`` gives."""
        ready = self._selector.select(self.server.idle_timeout)
        if self.stopping:
            raise _Stopping
        if not ready:
            raise _IdleTimeout
        data = self.sock.recv(bufsize)
        if data:
            self.server.log.record(ev.RECEIVED, self.name, nbytes=len(data), data=data)
        else:
            self.peer_closed = True
        return data

    def sendall(self, data: bytes) -> None:
        """Send every byte of ``data`` (bounded by the idle timeout) and record it."""
        self.sock.sendall(data)
        self.server.log.record(ev.SENT, self.name, nbytes=len(data), data=data)

    def sleep(self, seconds: float) -> bool:
        """Pause for ``seconds``; return ``False`` at once if the server is stopping."""
        return not self.server._stopping.wait(seconds)

    def _close(self) -> None:
        self._selector.close()
        self.sock.close()


class Server:
    """A TCP server in background threads, for a lesson.

    >>> with Server("echo") as server:          # doctest: +SKIP
    ...     print(server.port)                  # the port the OS picked

    ``handler`` is a function ``handler(conn)`` or the name of a ready-made
    one in ``sockutil.handlers`` (``"echo"``, ``"upper"``, ``"hello"``,
    ``"chunky"``, ``"http"``). ``host`` defaults to 127.0.0.1 (loopback: not
    reachable from other machines); ``port`` 0 lets the OS pick a free port.
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
        self.host = host
        self.requested_port = port
        self.idle_timeout = idle_timeout
        self.max_connections = max_connections
        self.backlog = backlog
        self.log = EventLog(max_events)
        self._lock = self.log.condition  # one lock guards the log and the state below
        self._state = "new"
        self._listener: socket.socket | None = None
        self._address: tuple | None = None
        self._stopping = threading.Event()
        self._wake_r: socket.socket | None = None
        self._wake_w: socket.socket | None = None
        self._accept_thread: threading.Thread | None = None
        self._open: dict[str, Connection] = {}
        self._threads: dict[str, threading.Thread] = {}
        self._accept_waiting = False
        self._count = 0

    # ------------------------------------------------------------------ start
    def start(self) -> Server:
        """Bind, listen and start accepting; return once the socket listens.

        Raises ``PortInUseError`` (an OSError) if the port is taken.
        """
        with self._lock:
            if self._state != "new":
                raise RuntimeError(f"server {self.name!r} was already started; create a new one")
            self._state = "starting"
        for old in running_servers(self.name):
            old.stop()
        try:
            self._listener = listening_socket(self.host, self.requested_port, self.backlog)
        except BaseException:
            self._state = "stopped"
            raise
        self._listener.setblocking(False)
        self._address = self._listener.getsockname()
        self._wake_r, self._wake_w = socket.socketpair()
        self._accept_thread = threading.Thread(
            target=self._accept_loop, name=f"{_THREAD_PREFIX}{self.name}:accept", daemon=True
        )
        self._accept_thread.sockutil_server = self  # type: ignore[attr-defined]
        with self._lock:
            self._state = "running"
        self.log.record(ev.LISTENING, detail=f"({self.handler_name})")
        self._accept_thread.start()
        return self

    def __enter__(self) -> Server:
        if self._state == "new":
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
        host, port = self.address
        return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"

    @property
    def running(self) -> bool:
        return self._state == "running"

    @property
    def events(self) -> list[Event]:
        """A copy of the recorded events, oldest first."""
        return self.log.snapshot()

    @property
    def open_connections(self) -> list[str]:
        """Names of the connections being served right now."""
        with self._lock:
            return list(self._open)

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
        where = f" on {self.host}:{self._address[1]}" if self._address else ""
        return f"<Server {self.name!r} ({self.handler_name}){where} {self._state}>"

    # ------------------------------------------------------------- waiting
    def wait_idle(self, timeout: float = 5.0) -> None:
        """Block until no connection is open or waiting to be accepted.

        Call it before printing events, so that the last ones are in. Raises
        ``TimeoutError`` if the server is still busy after ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                if self._state != "running":
                    return
                if self._accept_waiting and not self._open and not self._pending():
                    return
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    busy = ", ".join(self._open) or "a connection waiting in the queue"
                    raise TimeoutError(
                        f"server {self.name!r} is still busy after {timeout} s ({busy})"
                    )
                # Notified on every event; the short bound covers a connection
                # that is still in the listen queue, which records nothing yet.
                self._lock.wait(min(remaining, 0.005))

    def _pending(self) -> bool:
        listener = self._listener
        if listener is None or listener.fileno() < 0:
            return False
        readable, _, _ = select.select([listener], [], [], 0)
        return bool(readable)

    # ------------------------------------------------------------------ stop
    def stop(self, timeout: float = 2.0) -> None:
        """Close the listener and every connection, and join the threads.

        Safe to call twice and from a handler. Returns within a few
        milliseconds unless a handler ignores the stop.
        """
        with self._lock:
            if self._state != "running":
                if self._state in ("new", "starting"):
                    self._state = "stopped"
                return
            self._state = "stopping"
        self._stopping.set()
        try:
            self._wake_w.send(b"!")
        except OSError:  # pragma: no cover - the pair is ours; nothing to wake
            pass
        deadline = time.monotonic() + timeout
        current = threading.current_thread()
        stuck = []

        def join(thread: threading.Thread | None) -> None:
            if thread is None or thread is current:
                return
            thread.join(max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                stuck.append(thread.name)

        # First the accept thread, so that no connection is added after the
        # snapshot below (it may be just handing one to a new thread).
        join(self._accept_thread)
        with self._lock:
            connections = list(self._open.values())
            threads = list(self._threads.values())
        for conn in connections:
            try:
                conn.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by its thread
        for thread in threads:
            join(thread)
        if stuck:
            self.log.record(ev.ERROR, detail=f"threads still running after stop: {', '.join(stuck)}")
        else:
            self._wake_r.close()
            self._wake_w.close()
        with self._lock:
            self._state = "stopped"
        self.log.record(ev.STOPPED)

    # -------------------------------------------------------------- threads
    def _accept_loop(self) -> None:
        listener = self._listener
        assert listener is not None and self._wake_r is not None
        selector = selectors.DefaultSelector()
        selector.register(listener, selectors.EVENT_READ)
        selector.register(self._wake_r, selectors.EVENT_READ)
        try:
            while not self._stopping.is_set():
                with self._lock:
                    self._accept_waiting = True
                    self._lock.notify_all()
                # The wake-up socket ends this wait at once on stop(); the
                # bound is only there so that no call in the kit blocks forever.
                ready = selector.select(60.0)
                with self._lock:
                    self._accept_waiting = False
                if self._stopping.is_set():
                    break
                if ready:
                    self._accept_one(listener)
        finally:
            selector.close()
            with self._lock:
                listener.close()
                self._accept_waiting = False
                self._lock.notify_all()

    def _accept_one(self, listener: socket.socket) -> None:
        try:
            sock, peer = listener.accept()
        except (BlockingIOError, InterruptedError, ConnectionAbortedError):
            return  # the client vanished between select and accept
        except OSError as error:  # out of file descriptors, say
            self.log.record(ev.ERROR, detail=f"accept failed: {type(error).__name__}")
            self._stopping.wait(0.05)  # do not spin while the error lasts
            return
        # On macOS/BSD an accepted socket inherits the listener's non-blocking
        # mode; the idle timeout makes every call on it bounded.
        sock.settimeout(self.idle_timeout)
        with self._lock:
            self._count += 1
            name = f"c{self._count}"
            refuse = len(self._open) >= self.max_connections
            if not refuse:
                conn = Connection(self, sock, name, peer)
                self._open[name] = conn
        self.log.record(ev.OPENED, name)
        if refuse:
            sock.close()
            self.log.record(
                ev.REFUSED, name, detail=f"(already {self.max_connections} connections open)"
            )
            return
        thread = threading.Thread(
            target=self._serve_connection,
            args=(conn,),
            name=f"{_THREAD_PREFIX}{self.name}:{name}",
            daemon=True,
        )
        with self._lock:
            self._threads[name] = thread
        thread.start()

    def _serve_connection(self, conn: Connection) -> None:
        ending, detail = ev.CLOSED, ""
        try:
            self.handler(conn)
            if conn.peer_closed:
                ending = ev.PEER_CLOSED
        except _Stopping:
            detail = "(server stopping)"
        except _IdleTimeout:
            ending, detail = ev.IDLE_TIMEOUT, f"(nothing for {self.idle_timeout:g} s)"
        except TimeoutError:  # a handler using conn.sock directly hit the timeout
            ending, detail = ev.IDLE_TIMEOUT, f"(nothing for {self.idle_timeout:g} s)"
        except (ConnectionResetError, BrokenPipeError, ConnectionAbortedError) as error:
            if self._stopping.is_set():
                detail = "(server stopping)"
            else:
                ending, detail = ev.PEER_CLOSED, f"({type(error).__name__})"
        except Exception as error:  # noqa: BLE001 - recorded, never printed
            if self._stopping.is_set() and isinstance(error, OSError):
                detail = "(server stopping)"
            else:
                self.log.record(ev.ERROR, conn.name, detail=f"{type(error).__name__}: {error}")
        finally:
            conn._close()
            # Record the ending before leaving the open set, so that a cell in
            # wait_idle() never wakes up to a connection without its last event.
            self.log.record(ending, conn.name, detail=detail)
            with self._lock:
                self._open.pop(conn.name, None)
                if not self._stopping.is_set():
                    self._threads.pop(conn.name, None)
                self._lock.notify_all()


def serve(handler: Union[Handler, str], port: int = 0, host: str = LOOPBACK, **options) -> Server:
    """Create and start a ``Server``; see its docstring for the options."""
    return Server(handler, port, host, **options).start()


def running_servers(name: str | None = None) -> list[Server]:
    """Servers that are running now, found through their threads (survives module reloads)."""
    found: list[Server] = []
    for thread in threading.enumerate():
        server = getattr(thread, "sockutil_server", None)
        if server is None or not thread.name.endswith(":accept"):
            continue
        if name is not None and server.name != name:
            continue
        if server not in found and server._state == "running":
            found.append(server)
    return found


def stop_all() -> None:
    """Stop every running server (also run when the kernel or interpreter exits)."""
    for server in running_servers():
        server.stop()


atexit.register(stop_all)

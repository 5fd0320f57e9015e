"""The connections a server serves: each one as its handler sees it, and the set of them.

Why a class around the socket: a handler that waits in a plain ``recv`` can
neither notice that the server is stopping nor give up on a silent client in
a way the event log can name. ``Connection.recv`` waits on a selector that
watches the client's socket *and* the server's wake-up socket, so a stop ends
the wait at once, and an empty wait means "idle timeout". Every call also
records an event. The raw socket is still there (``conn.sock``) for handlers
that want it; ``Server.stop()`` shuts it down to wake them.
"""

from __future__ import annotations

import selectors
import socket
import threading
from typing import TYPE_CHECKING

from . import events as ev
from .errors import describe_error
from .registry import THREAD_PREFIX

if TYPE_CHECKING:  # pragma: no cover
    from .servers import Server

__all__ = ["Connection", "Connections", "run_handler"]


class Stopping(Exception):
    """Raised inside a handler's recv when the server is stopping."""


class IdleTimeout(Exception):
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
        try:
            self._selector.register(sock, selectors.EVENT_READ)
            self._selector.register(server._wake_r, selectors.EVENT_READ)
        except BaseException:
            self._selector.close()
            raise

    @property
    def stopping(self) -> bool:
        """True once the server has been asked to stop."""
        return self.server._stopping.is_set()

    def recv(self, bufsize: int = 4096) -> bytes:
        """Wait for data (at most the idle timeout) and return what one ``recv`` gives."""
        ready = self._selector.select(self.server.idle_timeout)
        if self.stopping:
            raise Stopping
        if not ready:
            raise IdleTimeout
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


def run_handler(conn: Connection) -> tuple[str, str]:
    """Run the server's handler on ``conn``; return how the connection ended.

    ``(kind, detail)`` for its last event. The handler's exceptions end here,
    as words, never printed: a peer's reset is "closed by peer", a stop is
    "(server stopping)", silence is "idle timeout"; anything else is recorded
    as an error event and the server keeps serving.
    """
    server = conn.server
    stopping = server._stopping
    idle = (ev.IDLE_TIMEOUT, f"(nothing for {server.idle_timeout:g} s)")
    try:
        server.handler(conn)
    except Stopping:
        return ev.CLOSED, "(server stopping)"
    except (IdleTimeout, TimeoutError):  # TimeoutError: a handler using conn.sock directly
        return idle
    except (ConnectionResetError, BrokenPipeError, ConnectionAbortedError) as error:
        if stopping.is_set():
            return ev.CLOSED, "(server stopping)"
        return ev.PEER_CLOSED, f"({type(error).__name__})"
    except Exception as error:  # noqa: BLE001 - recorded, never printed
        if not (stopping.is_set() and isinstance(error, OSError)):
            server.log.record(ev.ERROR, conn.name, detail=f"{type(error).__name__}: {error}")
            return ev.CLOSED, ""
        return ev.CLOSED, "(server stopping)"
    if conn.peer_closed:
        return ev.PEER_CLOSED, ""
    if stopping.is_set():
        return ev.CLOSED, "(server stopping)"  # e.g. a raw sock.recv woken by stop()
    return ev.CLOSED, ""


class Connections:
    """The connections a server is serving: named in order, bounded, one thread each.

    The accept thread hands each accepted socket to ``admit``; everything
    after that (the name, the limit, the thread, the last event) happens
    here. A failure while setting a connection up (out of file descriptors
    for its selector, "can't start new thread") closes that connection and is
    recorded as an error event: it must never end the accept loop.
    """

    def __init__(self, server: Server) -> None:
        self.server = server
        self._lock = server._lock  # the server's: it also guards the log and the state
        self.open: dict[str, Connection] = {}
        self.threads: dict[str, threading.Thread] = {}  # kept while stopping, for the joins
        self._count = 0

    def admit(self, sock: socket.socket, peer: tuple) -> None:
        """Serve a newly accepted socket in a thread of its own (or refuse it)."""
        server, log = self.server, self.server.log
        with self._lock:
            self._count += 1
            name = f"c{self._count}"
            refuse = len(self.open) >= server.max_connections
        log.record(ev.OPENED, name)
        if refuse:
            sock.close()
            log.record(ev.REFUSED, name, detail=f"(already {server.max_connections} connections open)")
            return
        conn = None
        try:
            # On macOS/BSD an accepted socket inherits the listener's non-blocking
            # mode; the idle timeout makes every call on it bounded.
            sock.settimeout(server.idle_timeout)
            conn = Connection(server, sock, name, peer)
            thread = threading.Thread(
                target=self._serve, args=(conn,), name=f"{THREAD_PREFIX}{server.name}:{name}", daemon=True
            )
            with self._lock:
                # Not running: stop() was called by a listener on the accept thread.
                admitted = server.running
                if admitted:
                    self.open[name], self.threads[name] = conn, thread
            if admitted:
                thread.start()
            else:
                conn._close()
                log.record(ev.CLOSED, name, detail="(server stopping)")
        except Exception as error:  # noqa: BLE001 - recorded, never printed
            with self._lock:
                self.threads.pop(name, None)  # never started: nothing to join
                if conn is not None:
                    conn._close()
                else:
                    sock.close()
            log.record(ev.ERROR, name, detail=f"cannot serve it: {describe_error(error)}")
            self._end(name, ev.CLOSED, "")

    def _serve(self, conn: Connection) -> None:
        ending, detail = ev.CLOSED, ""
        try:
            ending, detail = run_handler(conn)
        finally:
            with self._lock:  # never while wake_all() shuts it down: the number could be reused
                conn._close()
            self._end(conn.name, ending, detail)

    def _end(self, name: str, ending: str, detail: str) -> None:
        # Record the ending before leaving the open set, so that a cell in
        # wait_idle() never wakes up to a connection without its last event.
        self.server.log.record(ending, name, detail=detail)
        with self._lock:
            self.open.pop(name, None)
            if not self.server._stopping.is_set():
                self.threads.pop(name, None)
            self._lock.notify_all()

    def wake_all(self) -> list[threading.Thread]:
        """Shut down every open socket (waking raw ``recv``/``sendall``); return the threads to join."""
        with self._lock:  # a connection's thread closes its socket under it too
            for conn in self.open.values():
                try:
                    conn.sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass  # already closed by its thread
            return list(self.threads.values())

"""Three ways to serve many clients, and a race between them.

Why: notebook 08 has students write these servers themselves; the "many
clients" panel needs ready-made ones to compare live. Each model answers one
request per connection: it reads a line, spends ``work`` seconds on it, and
replies. The work stands for *waiting* (on a disk, a database, another
server), not computation, so it is a sleep in the blocking models and a timer
in the event loop.

* ``iterative``: one connection at a time. A slow request holds up everyone
  queued behind it.
* ``thread per client``: ``sockutil.Server``, one thread per connection.
* ``selectors``: one thread, an event loop over non-blocking sockets.

``race(model, clients, work)`` starts the model on a loopback port, starts
``clients`` clients at the same moment, and returns each client's completion
time in seconds, counted from that common start (so the last client served
one at a time has waited for every piece of work before it). A client that gets no reply is a failure, not a slow client:
``race`` then raises ``ClientsFailedError`` (its ``times`` hold the clients
that did finish). Every wait is bounded, and every model's ``stop()`` ends
its threads at once and may be called twice.
"""

from __future__ import annotations

import heapq
import itertools
import selectors
import socket
import threading
import time
from typing import Callable, Optional

from .clients import DEFAULT_TIMEOUT, recv_until_closed
from .errors import SockutilError, describe_error
from .names import LOOPBACK
from .servers import Connection, Server

__all__ = ["MODELS", "race", "iterative", "thread_per_client", "event_loop", "ClientsFailedError"]

REPLY = b"done\n"

#: Most bytes of a request line; a client sending more without a newline is cut off.
REQUEST_LIMIT = 1024

#: A model: ``start(work) -> (port, stop)``; ``stop()`` ends it and joins its threads.
Model = Callable[[float], "tuple[int, Callable[[], None]]"]

#: Called as each request's work begins (tests count the requests in work at once).
OnWork = Optional[Callable[[], None]]

#: Numbers the thread-per-client servers: two races at once (two panels) must
#: not replace each other's server, as a shared name would.
_server_numbers = itertools.count(1)


class ClientsFailedError(SockutilError, RuntimeError):
    """Some clients of a race got no reply: a failure, which a time would hide.

    ``times`` has each client's completion time in seconds, or ``None`` for a
    client that failed; ``failures`` maps a failed client's index to why.
    """

    def __init__(self, times: list[Optional[float]], failures: dict[int, str]) -> None:
        self.times = times
        self.failures = failures
        first = failures[min(failures)]
        super().__init__(f"{len(failures)} of {len(times)} clients got no reply (first: {first})")


def _background(target: Callable[[], None], name: str) -> threading.Thread:
    # "sockutil:" like the servers' threads, so the tests' leak guard sees them too.
    thread = threading.Thread(target=target, name=f"sockutil:model-{name}:serve", daemon=True)
    thread.start()
    return thread


def _stopper(stopping: threading.Event, wake_w: socket.socket, thread: threading.Thread,
             *to_close: socket.socket) -> Callable[[], None]:
    """The stop of a one-thread model: set the flag, wake the selector, join, close.

    Safe to call twice and from several threads: only the first call acts.
    """
    lock = threading.Lock()

    def stop() -> None:
        with lock:
            if stopping.is_set():
                return
            stopping.set()
            wake_w.send(b"!")
            thread.join(DEFAULT_TIMEOUT)
            for sock in (*to_close, wake_w):
                sock.close()

    return stop


def _read_request(conn: socket.socket, wake_r: socket.socket) -> bytes:
    """Read up to a newline; ``b""`` if the client goes silent or the server stops meanwhile."""
    data = b""
    with selectors.DefaultSelector() as selector:
        selector.register(conn, selectors.EVENT_READ, "client")
        selector.register(wake_r, selectors.EVENT_READ, "wake")
        while b"\n" not in data and len(data) < REQUEST_LIMIT:
            ready = selector.select(DEFAULT_TIMEOUT)
            if not ready or any(key.data == "wake" for key, _ in ready):
                return b""
            piece = conn.recv(REQUEST_LIMIT)
            if not piece:
                break
            data += piece
    return data


def iterative(work: float, *, on_work: OnWork = None) -> tuple[int, Callable[[], None]]:
    """Serve one connection at a time, in one thread."""
    listener = socket.create_server((LOOPBACK, 0), backlog=128)
    # Non-blocking: select may report a client that is gone by the time
    # accept() runs, and a blocking accept() would then wait for the next one
    # (and on Linux no stop() can wake it).
    listener.setblocking(False)
    wake_r, wake_w = socket.socketpair()
    stopping = threading.Event()

    def loop() -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(listener, selectors.EVENT_READ)
            selector.register(wake_r, selectors.EVENT_READ)
            while not stopping.is_set():
                if not selector.select(DEFAULT_TIMEOUT * 12) or stopping.is_set():
                    continue
                try:
                    conn, _ = listener.accept()
                except (BlockingIOError, InterruptedError, ConnectionAbortedError):
                    continue
                with conn:
                    conn.settimeout(DEFAULT_TIMEOUT)  # on macOS it inherits non-blocking mode
                    try:
                        if _read_request(conn, wake_r):
                            if on_work is not None:
                                on_work()
                            if not stopping.wait(work):
                                conn.sendall(REPLY)
                    except OSError:
                        pass  # a client that vanished costs nothing more

    thread = _background(loop, "iterative")

    return listener.getsockname()[1], _stopper(stopping, wake_w, thread, listener, wake_r)


def thread_per_client(work: float, *, on_work: OnWork = None) -> tuple[int, Callable[[], None]]:
    """One thread per connection: ``sockutil.Server`` with a handler that works, then replies."""

    def handler(conn: Connection) -> None:
        data = b""
        while b"\n" not in data:
            piece = conn.recv()
            if not piece:
                return
            data += piece
        if on_work is not None:
            on_work()
        if conn.sleep(work):
            conn.sendall(REPLY)

    name = f"model-thread-per-client-{next(_server_numbers)}"
    server = Server(handler, name=name, max_connections=256).start()
    return server.port, server.stop


def event_loop(work: float, *, on_work: OnWork = None) -> tuple[int, Callable[[], None]]:
    """One thread and a ``selectors`` loop; the work is a timer, so nobody waits for anybody."""
    listener = socket.create_server((LOOPBACK, 0), backlog=128)
    listener.setblocking(False)
    wake_r, wake_w = socket.socketpair()
    stopping = threading.Event()

    def loop() -> None:
        selector = selectors.DefaultSelector()
        selector.register(listener, selectors.EVENT_READ, "accept")
        selector.register(wake_r, selectors.EVENT_READ, "wake")
        buffers: dict[socket.socket, bytes] = {}
        timers: list[tuple[float, int, socket.socket]] = []  # (when, tie-breaker, socket)
        try:
            while not stopping.is_set():
                timeout = max(0.0, timers[0][0] - time.monotonic()) if timers else DEFAULT_TIMEOUT * 12
                for key, _ in selector.select(timeout):
                    if key.data == "wake":
                        return
                    if key.data == "accept":
                        try:
                            conn, _ = listener.accept()
                        except (BlockingIOError, ConnectionAbortedError):
                            continue
                        conn.setblocking(False)
                        buffers[conn] = b""
                        selector.register(conn, selectors.EVENT_READ, "read")
                        continue
                    conn = key.fileobj
                    try:
                        piece = conn.recv(1024)
                    except OSError:
                        piece = b""
                    if not piece:
                        selector.unregister(conn)
                        buffers.pop(conn, None)
                        conn.close()
                        continue
                    buffers[conn] += piece
                    if b"\n" in buffers[conn] or len(buffers[conn]) >= REQUEST_LIMIT:
                        selector.unregister(conn)
                        if on_work is not None:
                            on_work()
                        heapq.heappush(timers, (time.monotonic() + work, conn.fileno(), conn))
                while timers and timers[0][0] <= time.monotonic():
                    _, _, conn = heapq.heappop(timers)
                    try:
                        conn.setblocking(True)
                        conn.settimeout(DEFAULT_TIMEOUT)
                        conn.sendall(REPLY)  # five bytes: fits any send buffer at once
                    except OSError:
                        pass
                    buffers.pop(conn, None)
                    conn.close()
        finally:
            for conn in list(buffers):
                conn.close()
            for _, _, conn in timers:
                conn.close()
            selector.close()

    thread = _background(loop, "event-loop")

    return listener.getsockname()[1], _stopper(stopping, wake_w, thread, listener, wake_r)


MODELS: dict[str, Model] = {
    "iterative": iterative,
    "thread per client": thread_per_client,
    "selectors": event_loop,
}


def race(model: Model, clients: int, work: float, timeout: float = 30.0) -> list[float]:
    """Start ``clients`` clients at once against ``model``; return each one's completion time (s).

    Raises ``ClientsFailedError`` if any client gets no reply (refused, reset,
    closed without replying, or silent for ``timeout`` seconds): a failed
    client has no completion time, and reporting one would make a failure look
    like slowness.
    """
    if clients < 1:
        raise ValueError("clients must be at least 1")
    times: list[Optional[float]] = [None] * clients
    failures: dict[int, str] = {}
    port, stop = model(work)
    try:
        # One clock for all: the barrier's action runs once, before any
        # client is released, so no client's time misses work done for
        # another client that happened to start first.
        start: list[float] = []
        start_line = threading.Barrier(clients + 1, action=lambda: start.append(time.perf_counter()),
                                       timeout=timeout)

        def client(index: int) -> None:
            try:
                start_line.wait()
                t0 = start[0]
                with socket.create_connection((LOOPBACK, port), timeout=timeout) as sock:
                    sock.sendall(b"request\n")
                    reply = recv_until_closed(sock)
                if reply == REPLY:
                    times[index] = time.perf_counter() - t0
                else:
                    failures[index] = f"the server closed after sending {reply!r}"
            except threading.BrokenBarrierError:
                failures[index] = "never started"
            except Exception as error:  # noqa: BLE001 - reported as this client's failure
                failures[index] = describe_error(error)

        threads = [
            threading.Thread(target=client, args=(i,), name=f"sockutil:race:client-{i + 1}", daemon=True)
            for i in range(clients)
        ]
        try:
            for thread in threads:
                thread.start()
            start_line.wait()
        except BaseException:
            start_line.abort()  # the started clients give up at once
            raise
        finally:
            for thread in threads:
                if thread.ident is not None:
                    thread.join(timeout + 1)
    finally:
        stop()
    for index, thread in enumerate(threads):
        if times[index] is None:
            failures.setdefault(index, f"still waiting after {timeout:g} s" if thread.is_alive() else "no reply")
    if failures:
        raise ClientsFailedError(times, failures)
    return times  # type: ignore[return-value]

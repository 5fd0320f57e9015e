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
time in seconds. Every wait is bounded and every server stops cleanly.
"""

from __future__ import annotations

import heapq
import selectors
import socket
import threading
import time
from typing import Callable

from .clients import DEFAULT_TIMEOUT, recv_until_closed
from .names import LOOPBACK
from .servers import Connection, Server

__all__ = ["MODELS", "race", "iterative", "thread_per_client", "event_loop"]

REPLY = b"done\n"

#: A model: ``start(work) -> (port, stop)``; ``stop()`` ends it and joins its threads.
Model = Callable[[float], "tuple[int, Callable[[], None]]"]


def _read_line(sock: socket.socket, limit: int = 1024) -> bytes:
    data = b""
    while b"\n" not in data and len(data) < limit:
        piece = sock.recv(limit)
        if not piece:
            break
        data += piece
    return data


def _background(target: Callable[[], None], name: str) -> threading.Thread:
    thread = threading.Thread(target=target, name=f"sockutil-model:{name}", daemon=True)
    thread.start()
    return thread


def _stopper(stopping: threading.Event, wake_w: socket.socket, thread: threading.Thread,
             *to_close: socket.socket) -> Callable[[], None]:
    """The stop of a one-thread model: set the flag, wake the selector, join, close."""

    def stop() -> None:
        stopping.set()
        wake_w.send(b"!")
        thread.join(DEFAULT_TIMEOUT)
        for sock in (*to_close, wake_w):
            sock.close()

    return stop


def iterative(work: float) -> tuple[int, Callable[[], None]]:
    """Serve one connection at a time, in one thread."""
    listener = socket.create_server((LOOPBACK, 0), backlog=128)
    wake_r, wake_w = socket.socketpair()
    stopping = threading.Event()

    def loop() -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(listener, selectors.EVENT_READ)
            selector.register(wake_r, selectors.EVENT_READ)
            while not stopping.is_set():
                if not selector.select(DEFAULT_TIMEOUT * 12) or stopping.is_set():
                    continue
                conn, _ = listener.accept()
                with conn:
                    conn.settimeout(DEFAULT_TIMEOUT)
                    try:
                        if _read_line(conn):
                            stopping.wait(work)
                            conn.sendall(REPLY)
                    except OSError:
                        pass  # a client that vanished costs nothing more

    thread = _background(loop, "iterative")

    return listener.getsockname()[1], _stopper(stopping, wake_w, thread, listener, wake_r)


def thread_per_client(work: float) -> tuple[int, Callable[[], None]]:
    """One thread per connection: ``sockutil.Server`` with a handler that works, then replies."""

    def handler(conn: Connection) -> None:
        data = b""
        while b"\n" not in data:
            piece = conn.recv()
            if not piece:
                return
            data += piece
        if conn.sleep(work):
            conn.sendall(REPLY)

    server = Server(handler, name="model-thread-per-client", max_connections=256).start()
    return server.port, server.stop


def event_loop(work: float) -> tuple[int, Callable[[], None]]:
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
                    if b"\n" in buffers[conn]:
                        selector.unregister(conn)
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

    A client that fails or times out counts as finishing at ``timeout``.
    """
    port, stop = model(work)
    start_line = threading.Barrier(clients + 1, timeout=timeout)
    times = [timeout] * clients

    def client(index: int) -> None:
        try:
            start_line.wait()
            t0 = time.perf_counter()
            with socket.create_connection((LOOPBACK, port), timeout=timeout) as sock:
                sock.sendall(b"request\n")
                if recv_until_closed(sock) == REPLY:
                    times[index] = time.perf_counter() - t0
        except (OSError, threading.BrokenBarrierError):
            pass

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    try:
        for thread in threads:
            thread.start()
        start_line.wait()
        for thread in threads:
            thread.join(timeout + 1)
    finally:
        stop()
    return times

"""A selectors loop that calls sendall() on its non-blocking sockets, with no write buffer."""

HINT_WORDS = ("non-blocking", "write buffer")

import selectors
import socket
import threading


def serve_upper(listener: socket.socket, stop: threading.Event) -> None:
    listener.setblocking(False)
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    clients = []
    try:
        while not stop.is_set():
            for key, _ in selector.select(timeout=0.1):
                sock = key.fileobj
                if sock is listener:
                    try:
                        conn, _ = listener.accept()
                    except (BlockingIOError, ConnectionAbortedError):
                        continue
                    conn.setblocking(False)
                    clients.append(conn)
                    selector.register(conn, selectors.EVENT_READ)
                    continue
                try:
                    data = sock.recv(4096)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if data:
                    sock.sendall(data.upper())  # the mistake: the socket is non-blocking
                else:
                    selector.unregister(sock)
                    clients.remove(sock)
                    sock.close()
    finally:
        for conn in clients:
            conn.close()
        selector.close()

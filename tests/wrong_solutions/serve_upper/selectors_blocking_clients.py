"""A selectors loop whose client sockets stay blocking, answered with sendall(): one client that does not read stalls every other."""

HINT_WORDS = ('non-blocking',)

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
                    clients.append(conn)  # the mistake: conn stays blocking
                    selector.register(conn, selectors.EVENT_READ)
                    continue
                try:
                    data = sock.recv(4096)
                    if data:
                        sock.sendall(data.upper())  # blocks the whole loop while this client does not read
                except OSError:
                    data = b""
                if not data:
                    selector.unregister(sock)
                    clients.remove(sock)
                    sock.close()
    finally:
        for conn in clients:
            conn.close()
        selector.close()

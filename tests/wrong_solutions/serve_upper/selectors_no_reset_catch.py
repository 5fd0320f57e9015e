"""A selectors loop that catches only BlockingIOError around recv(): a reset ends the whole server."""

HINT_WORDS = ('ended your server function itself',)

import selectors
import socket
import threading


def serve_upper(listener: socket.socket, stop: threading.Event) -> None:
    listener.setblocking(False)
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    owed = {}

    def drop(sock):
        selector.unregister(sock)
        owed.pop(sock, None)
        sock.close()

    try:
        while not stop.is_set():
            for key, mask in selector.select(timeout=0.1):
                sock = key.fileobj
                if sock is listener:
                    try:
                        conn, _ = listener.accept()
                    except (BlockingIOError, ConnectionAbortedError):
                        continue
                    conn.setblocking(False)
                    owed[conn] = b""
                    selector.register(conn, selectors.EVENT_READ)
                elif mask & selectors.EVENT_READ:
                    try:
                        data = sock.recv(4096)
                    except BlockingIOError:
                        continue
                    if not data:
                        drop(sock)
                        continue
                    owed[sock] += data.upper()
                    selector.modify(sock, selectors.EVENT_WRITE)
                else:
                    try:
                        sent = sock.send(owed[sock])
                    except BlockingIOError:
                        continue
                    except OSError:
                        drop(sock)
                        continue
                    owed[sock] = owed[sock][sent:]
                    if not owed[sock]:
                        selector.modify(sock, selectors.EVENT_READ)
    finally:
        for sock in list(owed):
            drop(sock)
        selector.close()

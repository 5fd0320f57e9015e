"""A selectors loop that calls select() with no timeout: with no client talking it never looks at stop."""

HINT_WORDS = ('every 0.1 s',)

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
            for key, mask in selector.select():  # the mistake: waits for activity forever
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
                    except OSError:
                        data = b""
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

"""Sets a 1.5 s timeout on the listener only, as if accepted sockets inherited it: they are blocking."""

HINT_WORDS = ('conn.settimeout',)

import socket
import threading


def upper_echo(conn: socket.socket) -> None:
    with conn:
        try:
            while data := conn.recv(4096):
                conn.sendall(data.upper())
        except OSError:
            pass


def serve_upper(listener: socket.socket, stop: threading.Event) -> None:
    listener.settimeout(1.5)  # the mistake: conn does not inherit it
    workers = []
    while not stop.is_set():
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            continue
        worker = threading.Thread(target=upper_echo, args=(conn,), daemon=True)
        worker.start()
        workers = [w for w in workers if w.is_alive()] + [worker]
    for worker in workers:
        worker.join(timeout=2)

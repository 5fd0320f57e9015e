"""Decodes each chunk as text before upper(): a UTF-8 character cut between two recv() calls raises, and 'ß' comes back as 'SS'."""

HINT_WORDS = ('do not decode',)

import socket
import threading


def upper_echo(conn: socket.socket) -> None:
    with conn:
        conn.settimeout(1.5)
        try:
            while data := conn.recv(4096):
                conn.sendall(data.decode().upper().encode())
        except OSError:
            pass


def serve_upper(listener: socket.socket, stop: threading.Event) -> None:
    listener.settimeout(0.1)
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

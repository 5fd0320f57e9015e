"""No try/except in the client's thread: a reset or a timeout escapes it as a traceback."""

HINT_WORDS = ("catch OSError",)

import socket
import threading


def upper_echo(conn: socket.socket) -> None:
    with conn:
        conn.settimeout(1.5)
        while data := conn.recv(4096):
            conn.sendall(data.upper())


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
        workers.append(worker)
    for worker in workers:
        worker.join(timeout=2)

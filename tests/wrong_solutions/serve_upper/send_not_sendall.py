"""Reads 64 KiB at a time and answers with send(), not sendall(): what send() did not take is lost."""

HINT_WORDS = ('use sendall()',)

import socket
import threading


def upper_echo(conn: socket.socket) -> None:
    with conn:
        conn.settimeout(1.5)
        try:
            while data := conn.recv(65536):
                conn.send(data.upper())
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

"""Catches a client's TimeoutError and goes on waiting: a silent client is never let go, even after stop."""

HINT_WORDS = ('their timeouts end them',)

import socket
import threading


def upper_echo(conn: socket.socket) -> None:
    with conn:
        conn.settimeout(1.5)
        while True:
            try:
                data = conn.recv(4096)
            except TimeoutError:
                continue  # the mistake: keep waiting for a silent client
            except OSError:
                break
            if not data:
                break
            try:
                conn.sendall(data.upper())
            except OSError:
                break


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

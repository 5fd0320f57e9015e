"""Waits for whole lines and sends each back in capitals: bytes without a newline never come back."""

HINT_WORDS = ('do not wait for a newline',)

import socket
import threading


def upper_echo(conn: socket.socket) -> None:
    with conn:
        conn.settimeout(1.5)
        buffer = b""
        try:
            while data := conn.recv(4096):
                buffer += data
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    conn.sendall(line.upper() + b"\n")
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

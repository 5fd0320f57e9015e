"""Gives each client a 10 s timeout and joins the threads at stop: a silent client holds the stop up."""

HINT_WORDS = ("shorter one",)

import socket
import threading


def upper_echo(conn: socket.socket) -> None:
    """Send back every byte from one client in capitals, until it closes or is silent for 1.5 s."""
    with conn:
        conn.settimeout(10)  # the mistake: longer than stop may take
        try:
            while data := conn.recv(4096):
                conn.sendall(data.upper())
        except OSError:
            pass


def serve_upper(listener: socket.socket, stop: threading.Event) -> None:
    """Serve many clients at once; send back every byte each one sends, in capitals."""
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

"""One recv() per connection: answers whatever arrived first, then hangs up."""

HINT_WORDS = ("keep receiving",)

import socket
import threading


def upper_once(conn: socket.socket) -> None:
    with conn:
        conn.settimeout(1.5)
        try:
            data = conn.recv(4096)
            conn.sendall(data.upper())
        except OSError:
            pass


def serve_upper(listener: socket.socket, stop: threading.Event) -> None:
    listener.settimeout(0.1)
    while not stop.is_set():
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            continue
        threading.Thread(target=upper_once, args=(conn,), daemon=True).start()

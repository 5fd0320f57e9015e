"""accept() with no timeout: the loop never gets to look at stop again."""

HINT_WORDS = ("listener.settimeout",)

import socket
import threading


def upper_echo(conn: socket.socket) -> None:
    with conn:
        conn.settimeout(1.5)
        try:
            while data := conn.recv(4096):
                conn.sendall(data.upper())
        except OSError:
            pass


def serve_upper(listener: socket.socket, stop: threading.Event) -> None:
    while not stop.is_set():
        conn, _ = listener.accept()
        threading.Thread(target=upper_echo, args=(conn,), daemon=True).start()

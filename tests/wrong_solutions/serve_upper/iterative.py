"""Serves one client at a time: a slow client makes every other client wait."""

HINT_WORDS = ("one client at a time",)

import socket
import threading


def serve_upper(listener: socket.socket, stop: threading.Event) -> None:
    listener.settimeout(0.1)
    while not stop.is_set():
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            continue
        with conn:
            conn.settimeout(1.5)
            try:
                while data := conn.recv(4096):
                    conn.sendall(data.upper())
            except OSError:
                pass

"""Stops reading when a recv() returns fewer bytes than asked for: a short recv is not the end."""

HINT_WORDS = ("what has arrived so far", "until it returns b''")

import socket


def serve_n(listener: socket.socket, n: int) -> dict:
    received = {}
    for _ in range(n):
        conn, address = listener.accept()
        with conn:
            data = b""
            while True:
                chunk = conn.recv(4096)
                data += chunk
                if len(chunk) < 4096:
                    break
        received[address] = data
    return received

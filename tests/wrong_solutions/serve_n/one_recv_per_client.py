"""Takes one recv() per client: a client that sends in pieces loses all but the first."""

HINT_WORDS = ("what has arrived so far", "until it returns b''")

import socket


def serve_n(listener: socket.socket, n: int) -> dict:
    received = {}
    for _ in range(n):
        conn, address = listener.accept()
        with conn:
            received[address] = conn.recv(65536)
    return received

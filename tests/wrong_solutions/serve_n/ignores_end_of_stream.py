"""Reads each client in a loop that never checks for b'': once the client is done, it reads for ever."""

HINT_WORDS = ("returned b''", "stop reading")

import socket


def serve_n(listener: socket.socket, n: int) -> dict:
    received = {}
    for _ in range(n):
        conn, address = listener.accept()
        with conn:
            data = b""
            while len(data) < 100_000:
                data += conn.recv(65536)
        received[address] = data
    return received

"""Sets data = b"" once, before the loop: each client's entry also holds what the clients before it sent."""

HINT_WORDS = ("b\"\"", "each client", "served before it")

import socket


def serve_n(listener: socket.socket, n: int) -> dict:
    received = {}
    data = b""
    for _ in range(n):
        conn, address = listener.accept()
        with conn:
            while chunk := conn.recv(65536):
                data += chunk
        received[address] = data
    return received

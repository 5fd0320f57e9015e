"""Keys the dict by conn.getsockname(): that is the server's own address, the same for every client."""

HINT_WORDS = ("server's own address", "second value accept() returns")

import socket


def serve_n(listener: socket.socket, n: int) -> dict:
    received = {}
    for _ in range(n):
        conn, _ = listener.accept()
        with conn:
            data = b""
            while chunk := conn.recv(65536):
                data += chunk
            received[conn.getsockname()] = data
    return received

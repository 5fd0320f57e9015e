"""Keys the dict by the client's port alone instead of the whole address accept() returned."""

HINT_WORDS = ("whole address",)

import socket


def serve_n(listener: socket.socket, n: int) -> dict:
    received = {}
    for _ in range(n):
        conn, (host, port) = listener.accept()
        with conn:
            data = b""
            while chunk := conn.recv(65536):
                data += chunk
        received[port] = data
    return received

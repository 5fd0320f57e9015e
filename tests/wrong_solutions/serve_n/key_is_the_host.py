"""Keys the dict by the client's host alone: every loopback client is '127.0.0.1', so they overwrite each other."""

HINT_WORDS = ("use that address as the key",)

import socket


def serve_n(listener: socket.socket, n: int) -> dict:
    received = {}
    for _ in range(n):
        conn, (host, port) = listener.accept()
        with conn:
            data = b""
            while chunk := conn.recv(65536):
                data += chunk
        received[host] = data
    return received

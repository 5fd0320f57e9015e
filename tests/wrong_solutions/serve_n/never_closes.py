"""Never closes the connections accept() returned: each is dropped for the garbage collector."""

HINT_WORDS = ("close the socket accept() gave you",)

import socket


def serve_n(listener: socket.socket, n: int) -> dict:
    received = {}
    for _ in range(n):
        conn, address = listener.accept()
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
        received[address] = data
    return received

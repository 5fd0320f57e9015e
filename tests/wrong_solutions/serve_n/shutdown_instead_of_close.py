"""Calls conn.shutdown(SHUT_RDWR) instead of close(): the connection ends, but its socket stays open."""

HINT_WORDS = ("close the socket accept() gave you",)

import socket


def serve_n(listener: socket.socket, n: int) -> dict:
    received = {}
    for _ in range(n):
        conn, address = listener.accept()
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
        conn.shutdown(socket.SHUT_RDWR)
        received[address] = data
    return received

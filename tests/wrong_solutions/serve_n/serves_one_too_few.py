"""Accepts n - 1 clients (range(1, n)): the last client in the queue is never served."""

HINT_WORDS = ("exactly n", "still waiting in the listen queue")

import socket


def serve_n(listener: socket.socket, n: int) -> dict:
    received = {}
    for _ in range(1, n):
        conn, address = listener.accept()
        with conn:
            data = b""
            while chunk := conn.recv(65536):
                data += chunk
        received[address] = data
    return received

"""Accepts n + 1 clients (range(n + 1)): after the n-th, accept() waits for a client that never comes."""

HINT_WORDS = ("accept exactly n clients",)

import socket


def serve_n(listener: socket.socket, n: int) -> dict:
    received = {}
    for _ in range(n + 1):
        conn, address = listener.accept()
        with conn:
            data = b""
            while chunk := conn.recv(65536):
                data += chunk
        received[address] = data
    return received

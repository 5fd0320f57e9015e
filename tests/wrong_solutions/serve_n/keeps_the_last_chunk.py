"""Stores each chunk under the address (=, not +=): a client that sends in pieces keeps only its last one."""

HINT_WORDS = ("last piece", "data += chunk")

import socket


def serve_n(listener: socket.socket, n: int) -> dict:
    received = {}
    for _ in range(n):
        conn, address = listener.accept()
        received[address] = b""
        with conn:
            while chunk := conn.recv(65536):
                received[address] = chunk
    return received

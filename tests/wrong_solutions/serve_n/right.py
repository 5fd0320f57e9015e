"""The worked solution from notebook 02."""

import socket


def serve_n(listener: socket.socket, n: int) -> dict:
    """Accept n clients one after another; return {client address: bytes it sent}."""
    received = {}
    for _ in range(n):
        conn, address = listener.accept()
        with conn:                         # closes the connection at the end of the block
            data = b""
            while chunk := conn.recv(65536):
                data += chunk
        received[address] = data
    return received

"""Decodes what each client sent to text: the exercise asks for the bytes."""

HINT_WORDS = ("do not decode",)

import socket


def serve_n(listener: socket.socket, n: int) -> dict:
    received = {}
    for _ in range(n):
        conn, address = listener.accept()
        with conn:
            data = b""
            while chunk := conn.recv(65536):
                data += chunk
        received[address] = data.decode()
    return received

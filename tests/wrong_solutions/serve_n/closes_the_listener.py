"""Closes the listener it was given (with listener:): the caller's socket is gone after one call."""

HINT_WORDS = ("listener",)

import socket


def serve_n(listener: socket.socket, n: int) -> dict:
    received = {}
    with listener:
        for _ in range(n):
            conn, address = listener.accept()
            with conn:
                data = b""
                while chunk := conn.recv(65536):
                    data += chunk
            received[address] = data
    return received

"""Accepts in a `while True` loop, as a real server does: after n clients it waits for one more for ever."""

HINT_WORDS = ("accept exactly n clients",)

import socket


def serve_n(listener: socket.socket, n: int) -> dict:
    received = {}
    while True:
        conn, address = listener.accept()
        with conn:
            data = b""
            while chunk := conn.recv(65536):
                data += chunk
        received[address] = data
        if len(received) > n:
            return received

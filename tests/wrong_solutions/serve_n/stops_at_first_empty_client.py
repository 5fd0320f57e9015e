"""Stops serving at the first client that sent nothing, taking b'' from one client for "no more clients"."""

HINT_WORDS = ("sends nothing is a client too",)

import socket


def serve_n(listener: socket.socket, n: int) -> dict:
    received = {}
    for _ in range(n):
        conn, address = listener.accept()
        with conn:
            data = b""
            while chunk := conn.recv(65536):
                data += chunk
        if not data:
            break              # nothing came: no more clients
        received[address] = data
    return received

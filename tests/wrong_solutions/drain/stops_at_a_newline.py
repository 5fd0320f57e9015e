"""Stops at the first chunk that ends with b'\n', taking a newline for the end of the stream."""

HINT_WORDS = ("is not the end",)

import socket


def drain(sock: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\n"):
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data

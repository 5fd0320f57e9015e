"""Stops at the first chunk shorter than the buffer, taking it for the end of the stream."""

HINT_WORDS = ("a short chunk is not the end",)

import socket


def drain(sock: socket.socket) -> bytes:
    data = b""
    while True:
        chunk = sock.recv(4096)
        data += chunk
        if len(chunk) < 4096:
            return data

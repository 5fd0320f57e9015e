"""Off by one: receives before the loop, then overwrites that first chunk before keeping it."""

HINT_WORDS = ("keep every chunk",)

import socket


def drain(sock: socket.socket) -> bytes:
    data = b""
    chunk = sock.recv(4096)
    while chunk:
        chunk = sock.recv(4096)
        data += chunk
    return data

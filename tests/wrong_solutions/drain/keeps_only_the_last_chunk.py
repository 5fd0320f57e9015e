"""Replaces what it has with each new chunk (data = chunk) instead of adding to it."""

HINT_WORDS = ("keep every chunk", "data += chunk")

import socket


def drain(sock: socket.socket) -> bytes:
    data = b""
    while True:
        chunk = sock.recv(4096)
        if not chunk:
            return data
        data = chunk

"""Strips what it received (data.strip()): the newline the server sent is lost."""

HINT_WORDS = ("strip",)

import socket


def drain(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(4096):
        data += chunk
    return data.strip()

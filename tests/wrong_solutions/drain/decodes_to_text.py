"""Decodes what it received and returns text instead of bytes."""

HINT_WORDS = ("return bytes", "do not decode")

import socket


def drain(sock: socket.socket) -> str:
    data = b""
    while chunk := sock.recv(4096):
        data += chunk
    return data.decode("utf-8")

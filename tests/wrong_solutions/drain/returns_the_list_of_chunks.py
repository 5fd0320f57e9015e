"""Collects the chunks in a list and returns the list, not one bytes object."""

HINT_WORDS = ("join the pieces",)

import socket


def drain(sock: socket.socket) -> list:
    chunks = []
    while chunk := sock.recv(4096):
        chunks.append(chunk)
    return chunks

"""Joins the chunks with b'\n' between them, adding bytes the peer never sent."""

HINT_WORDS = ("join the pieces",)

import socket


def drain(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(4096):
        chunks.append(chunk)
    return b"\n".join(chunks)

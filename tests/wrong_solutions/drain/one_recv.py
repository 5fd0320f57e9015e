"""Takes one recv() for the whole stream: a message that arrives in pieces comes back cut short."""

HINT_WORDS = ("one recv() is not the whole message", "until it returns b''")

import socket


def drain(sock: socket.socket) -> bytes:
    return sock.recv(65536)

"""Binds the port asked for and nothing else: a taken port raises instead of falling back."""

HINT_WORDS = ("errno.eaddrinuse", "port 0")

import socket


def bind_preferred(port: int, host: str = "127.0.0.1") -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock

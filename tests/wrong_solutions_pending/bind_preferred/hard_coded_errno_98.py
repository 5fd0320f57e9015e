"""Compares error.errno with 98, Linux's number for EADDRINUSE: on macOS (48) or Windows it never falls back."""

HINT_WORDS = ("errno.eaddrinuse",)

import socket


def bind_preferred(port: int, host: str = "127.0.0.1") -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((host, port))
        return sock
    except OSError as error:
        sock.close()
        if error.errno != 98:
            raise
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((host, 0))
    except OSError:
        sock.close()
        raise
    return sock

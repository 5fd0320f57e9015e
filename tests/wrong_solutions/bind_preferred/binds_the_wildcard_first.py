"""Binds ('', port), every address, for the preferred port, instead of the host it was given."""

HINT_WORDS = ("bind the host you were given",)

import errno
import socket


def bind_preferred(port: int, host: str = "127.0.0.1") -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("", port))
        return sock
    except OSError as error:
        sock.close()
        if error.errno != errno.EADDRINUSE:
            raise
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((host, 0))
    except OSError:
        sock.close()
        raise
    return sock

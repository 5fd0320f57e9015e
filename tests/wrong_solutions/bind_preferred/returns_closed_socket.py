"""Binds inside a `with` block and returns from it: the caller gets a closed socket."""

HINT_WORDS = ("return the socket open", "with")

import errno
import socket


def bind_preferred(port: int, host: str = "127.0.0.1") -> socket.socket:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((host, port))
            return sock
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            raise
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock

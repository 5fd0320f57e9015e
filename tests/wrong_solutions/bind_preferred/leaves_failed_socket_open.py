"""Makes a new socket for the fallback without closing the one whose bind failed."""

HINT_WORDS = ("close the socket whose bind failed",)

import errno
import socket


def bind_preferred(port: int, host: str = "127.0.0.1") -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((host, port))
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            raise
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((host, 0))
    return sock

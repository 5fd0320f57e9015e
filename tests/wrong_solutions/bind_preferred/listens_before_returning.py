"""Calls listen() before returning: the caller gets a socket that listens already, not one only bound."""

HINT_WORDS = ("without calling listen()", "the caller calls listen() itself")

import errno
import socket


def bind_preferred(port: int, host: str = "127.0.0.1") -> socket.socket:
    for attempt in (port, 0):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind((host, attempt))
            sock.listen()
            return sock
        except OSError as error:
            sock.close()
            if error.errno != errno.EADDRINUSE or attempt == 0:
                raise

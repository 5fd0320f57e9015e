"""Binds port 0 on the same socket whose bind failed instead of closing it and making a new one."""

HINT_WORDS = ("bind a new socket to port 0", "same socket")

import errno
import socket


def bind_preferred(port: int, host: str = "127.0.0.1") -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        try:
            sock.bind((host, port))
        except OSError as error:
            if error.errno != errno.EADDRINUSE:
                raise
            sock.bind((host, 0))
    except OSError:
        sock.close()
        raise
    return sock

"""Falls back to port + 1 instead of port 0: a number it chose, not one the OS picked."""

HINT_WORDS = ("bind port 0", "os pick")

import errno
import socket


def bind_preferred(port: int, host: str = "127.0.0.1") -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((host, port))
        return sock
    except OSError as error:
        sock.close()
        if error.errno != errno.EADDRINUSE:
            raise
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((host, port + 1))
    except OSError:
        sock.close()
        raise
    return sock

"""Re-raises an error other than EADDRINUSE without closing the socket whose bind failed."""

HINT_WORDS = ("also when you re-raise",)

import errno
import socket


def bind_preferred(port: int, host: str = "127.0.0.1") -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((host, port))
        return sock
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            raise
        sock.close()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((host, 0))
    return sock

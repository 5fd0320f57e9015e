"""Re-raises PermissionError only and falls back on every other OSError, EADDRNOTAVAIL included."""

HINT_WORDS = ("only a port in use", "second socket")

import socket


def bind_preferred(port: int, host: str = "127.0.0.1") -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((host, port))
        return sock
    except PermissionError:
        sock.close()
        raise
    except OSError:
        sock.close()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((host, 0))
    except OSError:
        sock.close()
        raise
    return sock

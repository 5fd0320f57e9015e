"""The worked solution from notebook 04."""

import errno
import socket


def bind_preferred(port: int, host: str = "127.0.0.1") -> socket.socket:
    """A TCP socket bound to (host, port), or to a port the OS picks if that port is taken."""
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
        sock.bind((host, 0))
    except OSError:
        sock.close()
        raise
    return sock

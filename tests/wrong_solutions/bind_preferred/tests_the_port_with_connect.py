"""Tests whether the port is free by connecting to it: a port that is bound but not listening looks free."""

HINT_WORDS = ("do not test the port first", "eaddrinuse")

import socket


def bind_preferred(port: int, host: str = "127.0.0.1") -> socket.socket:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(1.0)
        in_use = probe.connect_ex((host, port)) == 0
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((host, 0 if in_use else port))
    except OSError:
        sock.close()
        raise
    return sock

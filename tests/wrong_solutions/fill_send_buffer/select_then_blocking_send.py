"""Asks select() whether the socket is writable and stops when it is not, on a socket left blocking."""

HINT_WORDS = ("non-blocking",)

import select
import socket


def fill_send_buffer(sock: socket.socket) -> int:
    chunk = bytes(4096)
    total = 0
    while True:
        _, writable, _ = select.select([], [sock], [], 0)
        if not writable:
            return total
        total += sock.send(chunk)

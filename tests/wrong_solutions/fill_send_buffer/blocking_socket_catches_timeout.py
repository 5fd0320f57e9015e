"""Leaves the socket blocking and stops at the timeout instead: right count, but only after waiting."""

HINT_WORDS = ("non-blocking",)

import socket


def fill_send_buffer(sock: socket.socket) -> int:
    chunk = bytes(65536)
    total = 0
    while True:
        try:
            total += sock.send(chunk)
        except OSError:   # BlockingIOError, or the timeout
            return total

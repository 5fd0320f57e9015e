"""Sends a str chunk ("x" * 65536): send() takes bytes, and raises TypeError."""

HINT_WORDS = ("takes bytes, not str",)

import socket


def fill_send_buffer(sock: socket.socket) -> int:
    sock.setblocking(False)
    total = 0
    while True:
        try:
            total += sock.send("x" * 65536)
        except BlockingIOError:
            return total

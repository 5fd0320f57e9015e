"""Adds the chunk's length once more for the send() that raised BlockingIOError (off by one chunk)."""

HINT_WORDS = ("sum of what every send() call returned",)

import socket


def fill_send_buffer(sock: socket.socket) -> int:
    sock.setblocking(False)
    chunk = bytes(1024)
    total = 0
    while True:
        try:
            total += sock.send(chunk)
        except BlockingIOError:
            total += len(chunk)
            return total

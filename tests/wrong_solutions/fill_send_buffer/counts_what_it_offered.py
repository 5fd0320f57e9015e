"""Adds len(chunk) for every send instead of what send() returned."""

HINT_WORDS = ("what each send() returns", "not len(chunk)")

import socket


def fill_send_buffer(sock: socket.socket) -> int:
    sock.setblocking(False)
    chunk = bytes(65536)
    total = 0
    while True:
        try:
            sock.send(chunk)
            total += len(chunk)
        except BlockingIOError:
            return total

"""Sends a fixed number of chunks (for _ in range(50)), guessing how big the buffer is."""

HINT_WORDS = ("until it raises BlockingIOError",)

import socket


def fill_send_buffer(sock: socket.socket) -> int:
    sock.setblocking(False)
    total = 0
    for _ in range(50):
        try:
            total += sock.send(bytes(1024))
        except BlockingIOError:
            break
    return total

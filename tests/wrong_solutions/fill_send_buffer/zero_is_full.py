"""Waits for send() to return 0 as the sign of a full buffer, and lets BlockingIOError escape."""

HINT_WORDS = ("catch BlockingIOError",)

import socket


def fill_send_buffer(sock: socket.socket) -> int:
    sock.setblocking(False)
    total = 0
    while (sent := sock.send(bytes(65536))) > 0:
        total += sent
    return total

"""Takes a send() that took less than the whole chunk for "full" and stops there, without waiting for BlockingIOError."""

HINT_WORDS = ("until it raises BlockingIOError",)

import socket


def fill_send_buffer(sock: socket.socket) -> int:
    sock.setblocking(False)
    chunk = bytes(65536)
    total = 0
    while True:
        try:
            sent = sock.send(chunk)
        except BlockingIOError:
            return total
        total += sent
        if sent < len(chunk):
            return total

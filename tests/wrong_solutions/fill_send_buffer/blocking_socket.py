"""Never makes the socket non-blocking: send() waits for room that never comes, until the timeout."""

HINT_WORDS = ("non-blocking", "setblocking(False)")

import socket


def fill_send_buffer(sock: socket.socket) -> int:
    chunk = bytes(65536)
    total = 0
    while True:
        try:
            total += sock.send(chunk)
        except BlockingIOError:
            return total

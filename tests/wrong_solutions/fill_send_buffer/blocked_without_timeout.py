"""Switches the socket's timeout off instead of making it non-blocking: send() then waits for ever."""

HINT_WORDS = ("non-blocking",)

import socket


def fill_send_buffer(sock: socket.socket) -> int:
    sock.settimeout(None)   # "blocking": the opposite of what the exercise asks
    total = 0
    while True:
        try:
            total += sock.send(bytes(65536))
        except BlockingIOError:
            return total

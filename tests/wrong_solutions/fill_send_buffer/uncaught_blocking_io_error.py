"""Makes the socket non-blocking but never catches BlockingIOError: it escapes instead of ending the loop."""

HINT_WORDS = ("catch BlockingIOError",)

import socket


def fill_send_buffer(sock: socket.socket) -> int:
    sock.setblocking(False)
    total = 0
    while True:
        total += sock.send(bytes(65536))

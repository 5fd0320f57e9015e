"""Takes BlockingIOError for "try again" and calls send() for ever."""

HINT_WORDS = ("first BlockingIOError",)

import socket


def fill_send_buffer(sock: socket.socket) -> int:
    sock.setblocking(False)
    total = 0
    while True:
        try:
            total += sock.send(bytes(1024))
        except BlockingIOError:
            continue

"""Right in principle, but it pauses after every byte: still making progress at the deadline."""

HINT_WORDS = ("slow", "bigger chunks")

import socket
import time


def fill_send_buffer(sock: socket.socket) -> int:
    sock.setblocking(False)
    total = 0
    while True:
        try:
            total += sock.send(b"x")
        except BlockingIOError:
            return total
        time.sleep(0.0001)   # "to let the network catch up"

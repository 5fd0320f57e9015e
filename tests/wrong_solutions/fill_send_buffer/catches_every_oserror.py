"""Catches every OSError as "full", so a connection reset ends the loop as quietly as a full buffer."""

HINT_WORDS = ("catch only BlockingIOError", "ConnectionResetError")

import socket


def fill_send_buffer(sock: socket.socket) -> int:
    sock.setblocking(False)
    total = 0
    while True:
        try:
            total += sock.send(bytes(65536))
        except OSError:
            return total

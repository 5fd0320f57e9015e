"""Calls send() once and returns: the buffer is not full yet."""

HINT_WORDS = ("until it raises BlockingIOError",)

import socket


def fill_send_buffer(sock: socket.socket) -> int:
    sock.setblocking(False)
    return sock.send(bytes(1000))

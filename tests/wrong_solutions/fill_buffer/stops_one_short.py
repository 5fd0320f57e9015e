"""Loops while got < len(buffer) - 1: when the last byte arrives on its own, it is never read."""

HINT_WORDS = ("in a loop",)

import socket


def fill_buffer(sock: socket.socket, buffer: bytearray) -> int:
    view = memoryview(buffer)
    got = calls = 0
    last = len(buffer) - 1                 # index of the last byte
    while got < last:
        count = sock.recv_into(view[got:])
        calls += 1
        if count == 0:
            raise ConnectionError("the peer closed")
        got += count
    return calls

"""Breaks out of the loop when recv_into returns 0 and returns the count: a half-filled buffer looks fine."""

HINT_WORDS = ("raise connectionerror", "instead of returning")

import socket


def fill_buffer(sock: socket.socket, buffer: bytearray) -> int:
    view = memoryview(buffer)
    got = calls = 0
    while got < len(buffer):
        count = sock.recv_into(view[got:])
        calls += 1
        if count == 0:
            break
        got += count
    return calls

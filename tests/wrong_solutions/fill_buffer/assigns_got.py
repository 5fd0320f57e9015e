"""Writes got = count instead of got += count: every call after the first writes at the same offset."""

HINT_WORDS = ("add up",)

import socket


def fill_buffer(sock: socket.socket, buffer: bytearray) -> int:
    view = memoryview(buffer)
    got = calls = 0
    while got < len(buffer):
        count = sock.recv_into(view[got:])
        calls += 1
        if count == 0:
            raise ConnectionError("the peer closed")
        got = count
    return calls

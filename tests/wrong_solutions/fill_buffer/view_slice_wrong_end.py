"""Slices view[got:len(buffer) - got] instead of view[got:]: past half way the view is empty and recv_into returns 0."""

HINT_WORDS = ("empty view",)

import socket


def fill_buffer(sock: socket.socket, buffer: bytearray) -> int:
    view = memoryview(buffer)
    got = calls = 0
    while got < len(buffer):
        count = sock.recv_into(view[got:len(buffer) - got])
        calls += 1
        if count == 0:
            raise ConnectionError("the peer closed")
        got += count
    return calls

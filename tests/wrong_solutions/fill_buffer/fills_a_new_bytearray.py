"""Fills a new bytearray and rebinds the name buffer to it: the caller's buffer is never touched."""

HINT_WORDS = ("caller's buffer",)

import socket


def fill_buffer(sock: socket.socket, buffer: bytearray) -> int:
    data = bytearray(len(buffer))
    view = memoryview(data)
    got = calls = 0
    while got < len(data):
        count = sock.recv_into(view[got:])
        calls += 1
        if count == 0:
            raise ConnectionError("the peer closed")
        got += count
    buffer = data                      # now buffer holds the bytes
    return calls

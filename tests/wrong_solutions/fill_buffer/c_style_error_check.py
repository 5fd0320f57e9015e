"""Checks count < 0, as in C where -1 is the error: a 0 from a closed peer is never seen."""

HINT_WORDS = ("returned 0",)

import socket


def fill_buffer(sock: socket.socket, buffer: bytearray) -> int:
    view = memoryview(buffer)
    got = calls = 0
    while got < len(buffer):
        count = sock.recv_into(view[got:])
        calls += 1
        if count < 0:
            raise ConnectionError("recv_into failed")
        got += count
    return calls

"""Asks for len(buffer) bytes into a view that is shorter: recv_into raises ValueError on the second call."""

HINT_WORDS = ("nbytes", "at most the length of the view")

import socket


def fill_buffer(sock: socket.socket, buffer: bytearray) -> int:
    view = memoryview(buffer)
    got = calls = 0
    while got < len(buffer):
        count = sock.recv_into(view[got:], len(buffer))
        calls += 1
        if count == 0:
            raise ConnectionError("the peer closed")
        got += count
    return calls

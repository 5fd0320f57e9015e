"""Raises EOFError when the peer closes early, where the exercise asks for ConnectionError."""

HINT_WORDS = ("raise connectionerror", "not another kind of error")

import socket


def fill_buffer(sock: socket.socket, buffer: bytearray) -> int:
    view = memoryview(buffer)
    got = calls = 0
    while got < len(buffer):
        count = sock.recv_into(view[got:])
        calls += 1
        if count == 0:
            raise EOFError("the peer closed")
        got += count
    return calls

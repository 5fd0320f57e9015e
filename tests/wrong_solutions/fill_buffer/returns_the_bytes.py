"""Returns the number of bytes received instead of the number of recv_into calls."""

HINT_WORDS = ("number of recv_into() calls", "not the number of bytes")

import socket


def fill_buffer(sock: socket.socket, buffer: bytearray) -> int:
    view = memoryview(buffer)
    got = 0
    while got < len(buffer):
        count = sock.recv_into(view[got:])
        if count == 0:
            raise ConnectionError("the peer closed")
        got += count
    return got

"""Closes the caller's socket before raising at the end of the stream: the socket is not fill_buffer's to close."""

HINT_WORDS = ("close",)

import socket


def fill_buffer(sock: socket.socket, buffer: bytearray) -> int:
    view = memoryview(buffer)
    got = calls = 0
    while got < len(buffer):
        count = sock.recv_into(view[got:])
        calls += 1
        if count == 0:
            sock.close()
            raise ConnectionError("the peer closed")
        got += count
    return calls

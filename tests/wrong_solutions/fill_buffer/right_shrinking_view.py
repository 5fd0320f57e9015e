"""Another right answer: the view itself moves on, view = view[count:], until it is empty."""

import socket


def fill_buffer(sock: socket.socket, buffer: bytearray) -> int:
    view = memoryview(buffer)
    calls = 0
    while len(view):
        count = sock.recv_into(view)
        calls += 1
        if count == 0:
            raise ConnectionError("the peer closed early")
        view = view[count:]
    return calls

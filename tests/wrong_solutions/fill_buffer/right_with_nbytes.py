"""Another right answer: recv_into with nbytes equal to the bytes still missing."""

import socket


def fill_buffer(sock: socket.socket, buffer: bytearray) -> int:
    view = memoryview(buffer)
    got = calls = 0
    while got < len(buffer):
        count = sock.recv_into(view[got:], len(buffer) - got)
        calls += 1
        if not count:
            raise ConnectionError("closed early")
        got += count
    return calls

"""Takes memoryview(bytes(buffer)): a read-only copy, so recv_into raises TypeError at once."""

HINT_WORDS = ("writable buffer", "memoryview")

import socket


def fill_buffer(sock: socket.socket, buffer: bytearray) -> int:
    view = memoryview(bytes(buffer))
    got = calls = 0
    while got < len(buffer):
        count = sock.recv_into(view[got:])
        calls += 1
        if count == 0:
            raise ConnectionError("the peer closed")
        got += count
    return calls

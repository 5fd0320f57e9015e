"""Treats a short read as the peer closing: raises ConnectionError when recv_into returns less than asked."""

HINT_WORDS = ("a short read is normal",)

import socket


def fill_buffer(sock: socket.socket, buffer: bytearray) -> int:
    view = memoryview(buffer)
    got = calls = 0
    while got < len(buffer):
        count = sock.recv_into(view[got:])
        calls += 1
        if count < len(buffer) - got:
            raise ConnectionError(f"the peer closed after {got + count} bytes")
        got += count
    return calls

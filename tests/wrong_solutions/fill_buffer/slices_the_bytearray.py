"""Passes buffer[got:], a copy of part of the bytearray: the bytes land in the copy, not the buffer."""

HINT_WORDS = ("is a copy", "memoryview")

import socket


def fill_buffer(sock: socket.socket, buffer: bytearray) -> int:
    got = calls = 0
    while got < len(buffer):
        count = sock.recv_into(buffer[got:])
        calls += 1
        if count == 0:
            raise ConnectionError("the peer closed")
        got += count
    return calls

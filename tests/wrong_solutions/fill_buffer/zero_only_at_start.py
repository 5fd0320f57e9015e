"""Raises only if the very first recv_into returns 0: a peer that closes part way makes the loop spin."""

HINT_WORDS = ("returned 0",)

import socket


def fill_buffer(sock: socket.socket, buffer: bytearray) -> int:
    view = memoryview(buffer)
    got = calls = 0
    while got < len(buffer):
        count = sock.recv_into(view[got:])
        calls += 1
        if count == 0 and got == 0:
            raise ConnectionError("nothing arrived")
        got += count
    return calls

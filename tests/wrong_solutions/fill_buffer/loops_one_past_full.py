"""Loops while got <= len(buffer): once full, it calls recv_into on an empty view, gets 0 and raises."""

HINT_WORDS = ("a full buffer ends the loop",)

import socket


def fill_buffer(sock: socket.socket, buffer: bytearray) -> int:
    view = memoryview(buffer)
    got = calls = 0
    while got <= len(buffer):
        count = sock.recv_into(view[got:])
        calls += 1
        if count == 0:
            raise ConnectionError("the peer closed")
        got += count
    return calls

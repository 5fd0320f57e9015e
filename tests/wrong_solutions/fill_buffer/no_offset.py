"""Calls recv_into(buffer) each time: every call writes from the start, over the bytes before."""

HINT_WORDS = ("after the bytes already there", "writes from the start")

import socket


def fill_buffer(sock: socket.socket, buffer: bytearray) -> int:
    got = calls = 0
    while got < len(buffer):
        count = sock.recv_into(buffer, len(buffer) - got)
        calls += 1
        if count == 0:
            raise ConnectionError("the peer closed")
        got += count
    return calls

"""Adds len(view[got:]) to got, as with recv's chunk: the first short read counts as a full buffer."""

HINT_WORDS = ("adding up what each call returns",)

import socket


def fill_buffer(sock: socket.socket, buffer: bytearray) -> int:
    view = memoryview(buffer)
    got = calls = 0
    while got < len(buffer):
        chunk = view[got:]
        if sock.recv_into(chunk) == 0:
            raise ConnectionError("the peer closed")
        calls += 1
        got += len(chunk)
    return calls

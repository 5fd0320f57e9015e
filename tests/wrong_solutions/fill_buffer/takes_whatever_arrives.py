"""Receives into a 4096-byte scratch buffer and copies: bytes beyond the buffer are taken and lost."""

HINT_WORDS = ("no more than the bytes still missing",)

import socket


def fill_buffer(sock: socket.socket, buffer: bytearray) -> int:
    scratch = bytearray(4096)
    got = calls = 0
    while got < len(buffer):
        count = sock.recv_into(scratch)
        calls += 1
        if count == 0:
            raise ConnectionError("the peer closed")
        take = min(count, len(buffer) - got)
        buffer[got:got + take] = scratch[:take]
        got += take
    return calls

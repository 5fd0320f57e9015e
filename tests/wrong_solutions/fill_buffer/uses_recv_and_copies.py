"""Uses recv and copies each chunk into the buffer: a new bytes object per call, and no recv_into at all."""

HINT_WORDS = ("recv_into(view[got:])",)

import socket


def fill_buffer(sock: socket.socket, buffer: bytearray) -> int:
    got = calls = 0
    while got < len(buffer):
        chunk = sock.recv(len(buffer) - got)
        calls += 1
        if not chunk:
            raise ConnectionError("the peer closed")
        buffer[got:got + len(chunk)] = chunk
        got += len(chunk)
    return calls

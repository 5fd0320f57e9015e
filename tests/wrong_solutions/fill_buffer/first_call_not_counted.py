"""Makes the first recv_into before the loop and counts only the calls inside it: one call short."""

HINT_WORDS = ("count every recv_into() call",)

import socket


def fill_buffer(sock: socket.socket, buffer: bytearray) -> int:
    view = memoryview(buffer)
    got = sock.recv_into(view)
    calls = 0
    while got < len(buffer):
        count = sock.recv_into(view[got:])
        calls += 1
        if count == 0:
            raise ConnectionError("the peer closed")
        got += count
    if got == 0:
        raise ConnectionError("the peer closed")
    return calls

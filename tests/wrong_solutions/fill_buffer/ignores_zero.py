"""Never checks for 0: when the peer closes early, recv_into returns 0 for ever and the loop spins."""

HINT_WORDS = ("returned 0", "raise connectionerror")

import socket


def fill_buffer(sock: socket.socket, buffer: bytearray) -> int:
    view = memoryview(buffer)
    got = calls = 0
    while got < len(buffer):
        got += sock.recv_into(view[got:])
        calls += 1
    return calls

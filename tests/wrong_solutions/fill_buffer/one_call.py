"""Calls recv_into once: a message that arrives in pieces leaves the buffer part empty."""

HINT_WORDS = ("often less than the buffer", "in a loop")

import socket


def fill_buffer(sock: socket.socket, buffer: bytearray) -> int:
    if sock.recv_into(buffer) == 0:
        raise ConnectionError("the peer closed")
    return 1

"""One recv_into with MSG_WAITALL, no loop: a timeout or the end of the stream leaves the buffer part empty."""

HINT_WORDS = ("in a loop",)

import socket


def fill_buffer(sock: socket.socket, buffer: bytearray) -> int:
    count = sock.recv_into(buffer, len(buffer), socket.MSG_WAITALL)
    if count == 0:
        raise ConnectionError("the peer closed")
    return 1

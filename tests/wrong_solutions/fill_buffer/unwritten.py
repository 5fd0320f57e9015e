"""The notebook's stub, not written yet: one line, and no ticks."""

HINT_WORDS = ("write fill_buffer() first",)

import socket


def fill_buffer(sock: socket.socket, buffer: bytearray) -> int:
    """Fill buffer with the next len(buffer) bytes from sock; return the number of recv_into calls."""
    # Your code here: a loop of sock.recv_into(view[got:]), with view = memoryview(buffer).
    raise NotImplementedError("write fill_buffer() first")

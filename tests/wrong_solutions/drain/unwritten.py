"""The notebook's stub, not written yet: one line, and no ticks."""

HINT_WORDS = ("write drain() first",)

import socket


def drain(sock: socket.socket) -> bytes:
    """Receive from sock until the peer closes; return everything received."""
    # Your code here: a loop of sock.recv(4096) that stops at b''.
    raise NotImplementedError("write drain() first")

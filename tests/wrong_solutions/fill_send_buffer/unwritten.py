"""The notebook's stub, not written yet: one line, and no ticks."""

HINT_WORDS = ("write fill_send_buffer() first",)

import socket


def fill_send_buffer(sock: socket.socket) -> int:
    """Send on a non-blocking sock until the kernel takes no more; return how many bytes it took."""
    # Your code here: sock.setblocking(False), then a loop of sock.send(...)
    # that adds up the return values and stops at BlockingIOError.
    raise NotImplementedError("write fill_send_buffer() first")

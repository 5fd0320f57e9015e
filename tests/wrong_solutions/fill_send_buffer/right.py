"""The worked solution from notebook 07."""

import socket


def fill_send_buffer(sock: socket.socket) -> int:
    """Send on a non-blocking sock until the kernel takes no more; return how many bytes it took."""
    sock.setblocking(False)
    chunk = bytes(65536)   # 64 KiB per call; any size works, send() takes what fits
    total = 0
    while True:
        try:
            total += sock.send(chunk)   # may be less than len(chunk)
        except BlockingIOError:
            return total

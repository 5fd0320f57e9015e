"""Uses sendall(), which hides how many of its bytes went out before BlockingIOError."""

HINT_WORDS = ("use send()",)

import socket


def fill_send_buffer(sock: socket.socket) -> int:
    sock.setblocking(False)
    chunk = bytes(65536)
    total = 0
    while True:
        try:
            sock.sendall(chunk)
        except BlockingIOError:
            return total
        total += len(chunk)

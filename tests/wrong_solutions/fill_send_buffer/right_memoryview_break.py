"""Right, another shape: a large buffer sent through a memoryview, with break and return after the loop."""

import socket


def fill_send_buffer(sock):
    sock.setblocking(False)
    data = memoryview(bytes(1_000_000))
    total = 0
    while True:
        try:
            sent = sock.send(data[:8192])
        except BlockingIOError:
            break
        total += sent
    return total

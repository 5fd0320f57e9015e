"""Restores the socket's blocking mode before returning (finally: sock.setblocking(True)): it is left blocking."""

HINT_WORDS = ("non-blocking",)

import socket


def fill_send_buffer(sock: socket.socket) -> int:
    old = sock.gettimeout()
    sock.setblocking(False)
    chunk = bytes(65536)
    total = 0
    try:
        while True:
            try:
                total += sock.send(chunk)
            except BlockingIOError:
                return total
    finally:
        sock.settimeout(old)

"""Sets a short timeout and takes a pause in the stream for its end (catches TimeoutError)."""

HINT_WORDS = ("a pause is not the end", "b''", "timeout")

import socket


def drain(sock: socket.socket) -> bytes:
    sock.settimeout(0.2)
    data = b""
    try:
        while chunk := sock.recv(4096):
            data += chunk
    except TimeoutError:
        pass
    return data

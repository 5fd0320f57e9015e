"""Asks recv(n) on every round of its loop, not n - len(data): it reads into the next frame."""

HINT_WORDS = ("lost for the next call",)

import struct


def recv_exactly(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n)
        if not chunk:
            raise ConnectionError("closed mid-frame")
        data += chunk
    return data[:n]


def read_frame(sock, max_size=1_000_000):
    first = sock.recv(4)
    if not first:
        return None
    header = first + recv_exactly(sock, 4 - len(first))
    (length,) = struct.unpack("!I", header)
    if length > max_size:
        raise ValueError("too large")
    return recv_exactly(sock, length)

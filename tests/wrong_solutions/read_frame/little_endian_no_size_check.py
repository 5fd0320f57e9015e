"""Reads the length little-endian and has no size check: it waits for 83 MB that never come."""

HINT_WORDS = ("big-endian",)

import struct


def recv_exactly(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(min(n - len(data), 65536))
        if not chunk:
            raise ConnectionError("closed mid-frame")
        data += chunk
    return data


def read_frame(sock, max_size=1_000_000):
    first = sock.recv(4)
    if not first:
        return None
    (length,) = struct.unpack("<I", first + recv_exactly(sock, 4 - len(first)))
    return recv_exactly(sock, length)

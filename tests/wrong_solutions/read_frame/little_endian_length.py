"""Reads the length in this machine's byte order ("I") instead of network byte order ("!I")."""

HINT_WORDS = ("big-endian",)

import struct


def recv_exactly(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed mid-frame")
        data += chunk
    return data


def read_frame(sock, max_size=1_000_000):
    first = sock.recv(4)
    if not first:
        return None
    (length,) = struct.unpack("<I", first + recv_exactly(sock, 4 - len(first)))
    if length > max_size:
        raise ValueError("too large")
    return recv_exactly(sock, length)

"""Reads a 2-byte length ('!H') and then 2 more header bytes it ignores: a 4-byte big-endian length read wrong."""

HINT_WORDS = ("!I",)

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
    header = first + recv_exactly(sock, 4 - len(first))
    (length,) = struct.unpack("!H", header[2:])
    if length > max_size:
        raise ValueError("too large")
    return recv_exactly(sock, length)

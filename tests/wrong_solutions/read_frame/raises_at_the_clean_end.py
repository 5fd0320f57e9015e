"""Raises ConnectionError when the peer closes between frames, where None is the clean end."""

HINT_WORDS = ("return None",)

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
    (length,) = struct.unpack("!I", recv_exactly(sock, 4))
    if length > max_size:
        raise ValueError("too large")
    return recv_exactly(sock, length)

"""Raises ValueError ("incomplete frame") when the peer closes inside a frame, not ConnectionError."""

HINT_WORDS = ("raise ConnectionError",)

import struct


def recv_exactly(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ValueError("incomplete frame")
        data += chunk
    return data


def read_frame(sock, max_size=1_000_000):
    first = sock.recv(4)
    if not first:
        return None
    header = first + recv_exactly(sock, 4 - len(first))
    (length,) = struct.unpack("!I", header)
    if length > max_size:
        raise ValueError("too large")
    return recv_exactly(sock, length)

"""Takes a recv(4) that returns fewer than 4 bytes for the clean end of the stream and returns None."""

HINT_WORDS = ("all 4 header bytes",)

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
    header = sock.recv(4)
    if len(header) < 4:
        return None
    (length,) = struct.unpack("!I", header)
    if length > max_size:
        raise ValueError("too large")
    return recv_exactly(sock, length)

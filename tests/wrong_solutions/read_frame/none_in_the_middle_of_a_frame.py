"""Returns None when the peer closes inside a frame, as if the stream had ended cleanly."""

HINT_WORDS = ("ConnectionError", "middle of a frame")

import struct


def recv_exactly(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def read_frame(sock, max_size=1_000_000):
    header = recv_exactly(sock, 4)
    if header is None:
        return None
    (length,) = struct.unpack("!I", header)
    if length > max_size:
        raise ValueError("too large")
    return recv_exactly(sock, length)

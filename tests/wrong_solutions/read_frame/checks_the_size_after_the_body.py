"""Compares the length with max_size only after reading the body: a huge length is waited for first."""

HINT_WORDS = ("max_size", "before")

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
    (length,) = struct.unpack("!I", first + recv_exactly(sock, 4 - len(first)))
    body = recv_exactly(sock, length)
    if length > max_size:
        raise ValueError("too large")
    return body

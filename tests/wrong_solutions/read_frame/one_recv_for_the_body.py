"""Takes one recv(length) for the body: a body that arrives in pieces comes back cut short."""

HINT_WORDS = ("body bytes", "loop")

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
    (length,) = struct.unpack("!I", first + recv_exactly(sock, 4 - len(first)))
    if length > max_size:
        raise ValueError("too large")
    return sock.recv(length)

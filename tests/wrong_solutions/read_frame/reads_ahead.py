"""Takes a big recv() and cuts the frame out of it: the bytes of the next frame are thrown away."""

HINT_WORDS = ("lost for the next call",)

import struct


def read_frame(sock, max_size=1_000_000):
    data = sock.recv(65536)
    if not data:
        return None
    while len(data) < 4:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed mid-frame")
        data += chunk
    (length,) = struct.unpack("!I", data[:4])
    if length > max_size:
        raise ValueError("too large")
    while len(data) < 4 + length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed mid-frame")
        data += chunk
    return data[4 : 4 + length]

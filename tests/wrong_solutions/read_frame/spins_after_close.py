"""Never looks for b'': once the peer has closed, its loops call recv() for ever."""

HINT_WORDS = ("kept calling recv()",)

import struct


def read_frame(sock, max_size=1_000_000):
    header = b""
    while len(header) < 4:
        header += sock.recv(4 - len(header))
    (length,) = struct.unpack("!I", header)
    if length > max_size:
        raise ValueError("too large")
    body = b""
    while len(body) < length:
        body += sock.recv(length - len(body))
    return body

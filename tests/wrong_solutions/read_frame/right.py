"""The worked solution from notebook 06."""

import struct


def recv_exactly(sock, n):
    """Receive exactly n bytes; ConnectionError if the peer closes first."""
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError(f"the peer closed after {len(data)} of {n} bytes")
        data += chunk
    return data


def read_frame(sock, max_size=1_000_000):
    """Read one length-prefixed frame from sock; None if the peer closed between frames."""
    first = sock.recv(4)
    if not first:                      # closed cleanly, between frames
        return None
    header = first + recv_exactly(sock, 4 - len(first))
    (length,) = struct.unpack("!I", header)
    if length > max_size:
        raise ValueError(f"declared length {length} is over max_size={max_size}")
    return recv_exactly(sock, length)

"""The worked solution from notebook 11."""

import socket


def fill_buffer(sock: socket.socket, buffer: bytearray) -> int:
    """Fill buffer with the next len(buffer) bytes from sock; return the number of recv_into calls."""
    calls = got = 0
    with memoryview(buffer) as view:        # writes through the view land in buffer itself
        while got < len(buffer):
            count = sock.recv_into(view[got:])   # at most the bytes still missing
            calls += 1
            if count == 0:
                raise ConnectionError(f"the peer closed after {got} of {len(buffer)} bytes")
            got += count
    return calls

"""Never stops at b'': loops for ever once the peer has closed."""

HINT_WORDS = ("stop at the first b''",)

import socket


def drain(sock: socket.socket) -> bytes:
    data = b""
    while True:
        data += sock.recv(4096)
        if data.endswith(b"\n\n"):   # waits for a blank line the server never sends
            return data

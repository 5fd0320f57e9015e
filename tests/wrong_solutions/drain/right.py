"""The worked solution from notebook 05."""

import socket


def drain(sock: socket.socket) -> bytes:
    """Receive from sock until the peer closes; return everything received."""
    received = b""
    while chunk := sock.recv(4096):   # b'' ends the loop
        received += chunk
    return received

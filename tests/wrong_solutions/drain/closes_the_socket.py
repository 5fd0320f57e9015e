"""Closes the socket it was given (with sock:): the caller cannot send its reply on it any more."""

HINT_WORDS = ("close",)

import socket


def drain(sock: socket.socket) -> bytes:
    data = b""
    with sock:
        while chunk := sock.recv(4096):
            data += chunk
    return data

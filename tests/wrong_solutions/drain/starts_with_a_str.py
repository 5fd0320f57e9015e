"""Starts with data = "" (a str): adding the first bytes chunk raises TypeError."""

HINT_WORDS = ("b''", "str")

import socket


def drain(sock: socket.socket) -> bytes:
    data = ""
    while chunk := sock.recv(4096):
        data += chunk
    return data

"""Capitalizes the text itself instead of returning what the server sent back."""

HINT_WORDS = ("what the server sent back",)

import socket


def shout(port: int, text: str) -> str:
    data = text.encode("utf-8")
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(data)
        received = 0
        while received < len(data):
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += len(chunk)
    return text.upper()

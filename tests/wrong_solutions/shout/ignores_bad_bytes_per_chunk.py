"""Decodes each recv() with errors='ignore': a character cut between two pieces silently vanishes."""

HINT_WORDS = ("decode the whole reply once",)

import socket


def shout(port: int, text: str) -> str:
    data = text.encode("utf-8")
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(data)
        reply, received = "", 0
        while received < len(data):
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += len(chunk)
            reply += chunk.decode("utf-8", errors="ignore")
    return reply

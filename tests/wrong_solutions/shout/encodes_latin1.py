"""Encodes the text as Latin-1 instead of UTF-8: '€' and '✓' cannot be encoded at all."""

HINT_WORDS = ("encode the text as utf-8",)

import socket


def shout(port: int, text: str) -> str:
    data = text.encode("latin-1")
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(data)
        reply = b""
        while len(reply) < len(data):
            chunk = sock.recv(65536)
            if not chunk:
                break
            reply += chunk
    return reply.decode("latin-1")

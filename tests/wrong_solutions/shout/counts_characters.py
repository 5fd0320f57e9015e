"""Loops until len(text) bytes have arrived: counts characters, not bytes."""

HINT_WORDS = ("count bytes", "not characters")

import socket


def shout(port: int, text: str) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(text.encode("utf-8"))
        reply = b""
        while len(reply) < len(text):
            chunk = sock.recv(65536)
            if not chunk:
                break
            reply += chunk
    return reply.decode("utf-8")

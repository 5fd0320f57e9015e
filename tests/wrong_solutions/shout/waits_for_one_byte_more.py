"""Loops while len(reply) <= len(data) (off by one): waits for a byte the server never sends."""

HINT_WORDS = ("as many bytes as you sent",)

import socket


def shout(port: int, text: str) -> str:
    data = text.encode("utf-8")
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(data)
        reply = b""
        while len(reply) <= len(data):
            chunk = sock.recv(65536)
            if not chunk:
                break
            reply += chunk
    return reply.decode("utf-8")

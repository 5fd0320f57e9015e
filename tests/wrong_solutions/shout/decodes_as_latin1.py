"""Sends UTF-8 but decodes the reply as Latin-1: every 2- and 3-byte character comes back as mojibake."""

HINT_WORDS = ("decode('utf-8')", "one-byte encoding")

import socket


def shout(port: int, text: str) -> str:
    data = text.encode("utf-8")
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(data)
        reply = b""
        while len(reply) < len(data):
            chunk = sock.recv(65536)
            if not chunk:
                break
            reply += chunk
    return reply.decode("latin-1")

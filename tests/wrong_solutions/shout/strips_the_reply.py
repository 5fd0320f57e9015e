"""Strips the reply with .strip(), as for a line: spaces or a newline at the ends of the text are lost."""

HINT_WORDS = ("strip",)

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
    return reply.decode("utf-8").strip()

"""Sends with one send() and ignores how many bytes it took: a long text is sent only in part."""

HINT_WORDS = ("only part of your text", "sendall")

import socket


def shout(port: int, text: str) -> str:
    data = text.encode("utf-8")
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.send(data)
        reply = b""
        while len(reply) < len(data):
            chunk = sock.recv(65536)
            if not chunk:
                break
            reply += chunk
    return reply.decode("utf-8")

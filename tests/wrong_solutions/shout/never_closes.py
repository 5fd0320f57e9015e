"""Forgets to close the socket: Python's garbage collector closes it, some time later."""

HINT_WORDS = ("close the socket",)

import socket


def shout(port: int, text: str) -> str:
    data = text.encode("utf-8")
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(data)
    reply = b""
    while len(reply) < len(data):
        chunk = sock.recv(65536)
        if not chunk:
            break
        reply += chunk
    return reply.decode("utf-8")

"""A right answer: a loop of send() that goes on from where the last one stopped, as sendall() does."""

import socket


def shout(port: int, text: str) -> str:
    data = text.encode("utf-8")
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sent = 0
        while sent < len(data):
            sent += sock.send(data[sent:])
        reply = b""
        while len(reply) < len(data):
            chunk = sock.recv(4096)
            if not chunk:
                break
            reply += chunk
    return reply.decode("utf-8")

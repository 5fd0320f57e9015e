"""Calls recv(len(data)) in a loop without counting what came: stops after two pieces, not at len(data) bytes."""

HINT_WORDS = ("keep calling",)

import socket


def shout(port: int, text: str) -> str:
    data = text.encode("utf-8")
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(data)
        reply = sock.recv(len(data))
        if len(reply) < len(data):      # "if", not "while": one more try
            reply += sock.recv(len(data) - len(reply))
    return reply.decode("utf-8")

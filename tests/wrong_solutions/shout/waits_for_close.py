"""Receives until recv() returns b'': but the server keeps the connection open after replying."""

HINT_WORDS = ("keeps the connection open", "as many bytes as you sent")

import socket


def shout(port: int, text: str) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(text.encode("utf-8"))
        reply = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            reply += chunk
    return reply.decode("utf-8")

"""Takes one recv() for the whole reply: a reply that arrives in pieces comes back cut short."""

HINT_WORDS = ("fewer bytes", "keep calling")

import socket


def shout(port: int, text: str) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(text.encode("utf-8"))
        return sock.recv(65536).decode("utf-8")

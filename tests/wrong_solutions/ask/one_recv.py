"""Takes one recv() for the whole answer: an answer that arrives in pieces comes back cut short."""

HINT_WORDS = ("whatever has arrived so far", "keep receiving")

import socket


def ask(port: int, question: str) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(question.encode("utf-8") + b"\n")
        return sock.recv(1024).decode("utf-8").rstrip("\n")

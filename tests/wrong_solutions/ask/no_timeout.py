"""Connects without a timeout: if the server never answers, ask() waits for ever."""

HINT_WORDS = ("a timeout when you connect",)

import socket


def ask(port: int, question: str) -> str:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(question.encode("utf-8") + b"\n")
        answer = b""
        while not answer.endswith(b"\n"):
            chunk = sock.recv(1024)
            if not chunk:
                break
            answer += chunk
    return answer.decode("utf-8").rstrip("\n")

"""Forgets to close the socket: Python's garbage collector closes it, some time later."""

HINT_WORDS = ("close the socket",)

import socket


def ask(port: int, question: str) -> str:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(question.encode("utf-8") + b"\n")
    answer = b""
    while not answer.endswith(b"\n"):
        chunk = sock.recv(1024)
        if not chunk:
            break
        answer += chunk
    return answer.decode("utf-8").rstrip("\n")

"""Keeps the received bytes in a global buffer: concurrent calls mix their answers."""

HINT_WORDS = ("another client's answer",)

import socket

answer = b""


def ask(port: int, question: str) -> str:
    global answer
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(question.encode("utf-8") + b"\n")
        answer = b""
        while not answer.endswith(b"\n"):
            chunk = sock.recv(1024)
            if not chunk:
                break
            answer += chunk
        return answer.decode("utf-8").rstrip("\n")

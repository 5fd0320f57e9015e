"""Overwrites the answer with each recv() (answer = chunk, not +=): only the last piece is returned."""

HINT_WORDS = ("last piece", "answer += chunk")

import socket


def ask(port: int, question: str) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(question.encode("utf-8") + b"\n")
        answer = b""
        while not answer.endswith(b"\n"):
            answer = sock.recv(1024)
            if not answer:
                break
    return answer.decode("utf-8").rstrip("\n")

"""Loops until it has 3 bytes, as if every answer were short like b"42\n": a 1-digit answer waits for ever."""

HINT_WORDS = ("once the answer's b'\\n' has arrived",)

import socket


def ask(port: int, question: str) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(question.encode("utf-8") + b"\n")
        answer = b""
        while len(answer) < 3:
            chunk = sock.recv(1024)
            if not chunk:
                break
            answer += chunk
    return answer.decode("utf-8").rstrip("\n")

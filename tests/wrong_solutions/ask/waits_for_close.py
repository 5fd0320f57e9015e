"""Receives until recv() returns b'': but the server keeps the connection open after its answer."""

HINT_WORDS = ("keeps the connection open", "instead of waiting for b''")

import socket


def ask(port: int, question: str) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(question.encode("utf-8") + b"\n")
        answer = b""
        while True:
            chunk = sock.recv(1024)
            if not chunk:
                break
            answer += chunk
    return answer.decode("utf-8").rstrip("\n")

"""Cuts two bytes off the answer (answer[:-2]), as if lines ended with b"\r\n": the last digit is lost."""

HINT_WORDS = ("last character is missing", "\\r\\n")

import socket


def ask(port: int, question: str) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(question.encode("utf-8") + b"\n")
        answer = b""
        while not answer.endswith(b"\n"):
            chunk = sock.recv(1024)
            if not chunk:
                break
            answer += chunk
    return answer[:-2].decode("utf-8")

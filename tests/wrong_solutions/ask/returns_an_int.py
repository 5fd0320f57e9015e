"""Returns the answer as an int (int(answer)): the exercise asks for the text, and 'error: ...' is no number."""

HINT_WORDS = ("return a str", "int()")

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
    return int(answer)

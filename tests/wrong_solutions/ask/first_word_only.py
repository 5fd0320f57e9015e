"""Returns answer.split()[0], the first word: an answer with spaces ('error: ask like 6 * 7') is cut."""

HINT_WORDS = ("do not split it into words",)

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
    return answer.decode("utf-8").split()[0]

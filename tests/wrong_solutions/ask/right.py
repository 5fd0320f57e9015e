"""The worked solution from notebook 02."""

import socket


def ask(port: int, question: str) -> str:
    """Ask the calculator on port a question; return its answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(question.encode("utf-8") + b"\n")
        answer = b""
        while not answer.endswith(b"\n"):
            chunk = sock.recv(1024)
            if not chunk:          # the server closed before the answer was complete
                break
            answer += chunk
    return answer.decode("utf-8").rstrip("\n")

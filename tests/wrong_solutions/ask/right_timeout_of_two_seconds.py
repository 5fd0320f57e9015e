"""A right answer: a timeout of 2 s, set once connected (not the kit's own timeout, though close to it)."""

import socket


def ask(port: int, question: str) -> str:
    sock = socket.create_connection(("127.0.0.1", port))
    try:
        sock.settimeout(2)
        sock.sendall(question.encode("utf-8") + b"\n")
        answer = b""
        while not answer.endswith(b"\n"):
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
    finally:
        sock.close()
    return answer.decode("utf-8")[:-1]

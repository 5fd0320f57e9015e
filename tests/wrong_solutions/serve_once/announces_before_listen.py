"""Calls announce(port) after bind() but before listen(): the client may come before anyone listens."""

HINT_WORDS = ("listen() before announce(port)",)

import socket


def serve_once(announce) -> bytes:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.settimeout(0.5)
        announce(listener.getsockname()[1])
        listener.listen(1)
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(0.5)
            request = b""
            while chunk := conn.recv(4096):
                request += chunk
            conn.sendall(request.upper())
    return request

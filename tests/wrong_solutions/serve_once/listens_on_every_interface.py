"""Binds to ("", 0), every interface, instead of ("127.0.0.1", 0): other hosts can reach the server."""

HINT_WORDS = ("127.0.0.1", "every interface")

import socket


def serve_once(announce) -> bytes:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("", 0))
        listener.listen(1)
        listener.settimeout(0.5)
        announce(listener.getsockname()[1])
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(0.5)
            request = b""
            while chunk := conn.recv(4096):
                request += chunk
            conn.sendall(request.upper())
    return request

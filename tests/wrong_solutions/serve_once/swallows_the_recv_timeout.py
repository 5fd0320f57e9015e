"""Catches recv()'s TimeoutError and answers what it has, as if the client had finished."""

HINT_WORDS = ("let recv()'s timeouterror propagate",)

import socket


def serve_once(announce) -> bytes:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(0.5)
        announce(listener.getsockname()[1])
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(0.5)
            request = b""
            try:
                while chunk := conn.recv(4096):
                    request += chunk
            except TimeoutError:
                pass
            conn.sendall(request.upper())
    return request

"""Catches accept()'s TimeoutError and returns b'' as if a client had sent nothing."""

HINT_WORDS = ("let accept()'s timeouterror propagate",)

import socket


def serve_once(announce) -> bytes:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(0.5)
        announce(listener.getsockname()[1])
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            return b""
        with conn:
            conn.settimeout(0.5)
            request = b""
            while chunk := conn.recv(4096):
                request += chunk
            conn.sendall(request.upper())
    return request

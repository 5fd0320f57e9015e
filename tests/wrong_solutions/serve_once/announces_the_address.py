"""Announces the whole address (host, port) instead of the port number."""

HINT_WORDS = ("port number alone",)

import socket


def serve_once(announce) -> bytes:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(0.5)
        announce(listener.getsockname())
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(0.5)
            request = b""
            while chunk := conn.recv(4096):
                request += chunk
            conn.sendall(request.upper())
    return request

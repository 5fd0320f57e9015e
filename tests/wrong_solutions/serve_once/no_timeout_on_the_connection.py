"""Gives the listener a timeout but not the accepted socket, which does not inherit it."""

HINT_WORDS = ("accepted socket its own timeout",)

import socket


def serve_once(announce) -> bytes:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(0.5)
        announce(listener.getsockname()[1])
        conn, _ = listener.accept()
        with conn:
            request = b""
            while chunk := conn.recv(4096):
                request += chunk
            conn.sendall(request.upper())
    return request

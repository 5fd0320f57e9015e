"""Takes one recv() for the whole request: a request sent in pieces is cut short."""

HINT_WORDS = ("keep receiving until b''",)

import socket


def serve_once(announce) -> bytes:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(0.5)
        announce(listener.getsockname()[1])
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(0.5)
            request = conn.recv(65536)
            conn.sendall(request.upper())
    return request

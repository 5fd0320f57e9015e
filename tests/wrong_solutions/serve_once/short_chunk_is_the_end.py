"""Stops receiving at the first chunk shorter than 4096 bytes, taking it for the end of the request."""

HINT_WORDS = ("keep receiving until b''",)

import socket


def serve_once(announce) -> bytes:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(0.5)
        announce(listener.getsockname()[1])
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(0.5)
            request = b""
            while True:
                chunk = conn.recv(4096)
                request += chunk
                if len(chunk) < 4096:
                    break
            conn.sendall(request.upper())
    return request

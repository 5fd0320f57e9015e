"""Waits in accept() for ever: with no client, serve_once never ends."""

HINT_WORDS = ("listening socket a timeout",)

import socket


def serve_once(announce) -> bytes:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(None)
        announce(listener.getsockname()[1])
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(0.5)
            request = b""
            while chunk := conn.recv(4096):
                request += chunk
            conn.sendall(request.upper())
    return request

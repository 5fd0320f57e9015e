"""Makes the listener non-blocking (settimeout(0)) instead of giving it half a second: accept() fails at once."""

HINT_WORDS = ("non-blocking", "settimeout(0.5)")

import socket


def serve_once(announce) -> bytes:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.setblocking(False)
        announce(listener.getsockname()[1])
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(0.5)
            request = b""
            while chunk := conn.recv(4096):
                request += chunk
            conn.sendall(request.upper())
    return request

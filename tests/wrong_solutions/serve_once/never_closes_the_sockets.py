"""Closes neither socket: the garbage collector is left to do it."""

HINT_WORDS = ("close every socket yourself",)

import socket


def serve_once(announce) -> bytes:
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.5)
    announce(listener.getsockname()[1])
    conn, _ = listener.accept()
    conn.settimeout(0.5)
    request = b""
    while chunk := conn.recv(4096):
        request += chunk
    conn.sendall(request.upper())
    conn.shutdown(socket.SHUT_WR)   # the client sees the end of the reply, but nothing is closed
    return request

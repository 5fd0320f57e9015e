"""The worked solution from notebook 05 (with the notebook's drain)."""

import socket


def drain(sock: socket.socket) -> bytes:
    """Receive from sock until the peer closes; return everything received."""
    received = b""
    while chunk := sock.recv(4096):   # b'' ends the loop
        received += chunk
    return received


def serve_once(announce) -> bytes:
    """Serve one client on 127.0.0.1: receive its request until b'', answer in capitals, close."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(0.5)
        announce(listener.getsockname()[1])
        conn, _address = listener.accept()   # TimeoutError if no client comes
        with conn:
            conn.settimeout(0.5)
            request = drain(conn)            # ConnectionResetError if the client resets
            conn.sendall(request.upper())
    return request

"""Ends each message with b"\n": a message that contains a newline, or is empty, is cut wrongly."""

HINT_WORDS = ("newline", "cannot mark its end", "length")


def send_messages(sock, messages):
    for message in messages:
        sock.sendall(message + b"\n")


def receive_messages(sock):
    data = b""
    while True:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data.split(b"\n")[:-1]

"""Sends the messages as they are, with nothing between them: the receiver cannot tell where one ends."""

HINT_WORDS = ("keeps no boundaries", "header")


def send_messages(sock, messages):
    for message in messages:
        sock.sendall(message)


def receive_messages(sock):
    data = b""
    while True:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return [data]

"""Takes one recv(4) for the header and one recv(length) for the body: either may return less."""

HINT_WORDS = ("fewer bytes than you asked for",)

import struct


def send_messages(sock, messages):
    for message in messages:
        sock.sendall(struct.pack("!I", len(message)) + message)


def receive_messages(sock):
    messages = []
    while True:
        header = sock.recv(4)
        if not header:
            break
        (length,) = struct.unpack("!I", header)
        messages.append(sock.recv(length))
    return messages

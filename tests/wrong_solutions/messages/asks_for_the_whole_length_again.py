"""Loops over the body but asks recv(length) each time, not recv(length - len(body)): it reads into the next message."""

HINT_WORDS = ("length - len(",)

import struct


def send_messages(sock, messages):
    for message in messages:
        sock.sendall(struct.pack("!I", len(message)) + message)


def receive_messages(sock):
    messages = []
    while True:
        header = b""
        while len(header) < 4:
            chunk = sock.recv(4)
            if not chunk:
                return messages
            header += chunk
        (length,) = struct.unpack("!I", header)
        body = b""
        while len(body) < length:
            chunk = sock.recv(length)
            if not chunk:
                return messages
            body += chunk
        messages.append(body)

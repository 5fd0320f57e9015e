"""Decodes every message to text: messages are bytes, and not every byte string is UTF-8."""

HINT_WORDS = ("do not decode",)

import struct


def send_messages(sock, messages):
    for message in messages:
        sock.sendall(struct.pack("!I", len(message)) + message)


def receive_messages(sock):
    messages, buffer = [], b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        buffer += chunk
        while len(buffer) >= 4:
            (length,) = struct.unpack("!I", buffer[:4])
            if len(buffer) < 4 + length:
                break
            messages.append(buffer[4 : 4 + length].decode("utf-8"))
            buffer = buffer[4 + length :]
    return messages

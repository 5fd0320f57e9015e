"""Packs the length in 2 bytes ("!H"): a message longer than 65 535 bytes cannot be framed."""

HINT_WORDS = ("65535",)

import struct


def send_messages(sock, messages):
    for message in messages:
        sock.sendall(struct.pack("!H", len(message)) + message)


def receive_messages(sock):
    messages, buffer = [], b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        buffer += chunk
        while len(buffer) >= 2:
            (length,) = struct.unpack("!H", buffer[:2])
            if len(buffer) < 2 + length:
                break
            messages.append(buffer[2 : 2 + length])
            buffer = buffer[2 + length :]
    return messages

"""Packs the length with "I" (native order, little-endian on a PC) but unpacks it with "!I" (big-endian)."""

HINT_WORDS = ("byte order",)

import struct


def send_messages(sock, messages):
    for message in messages:
        sock.sendall(struct.pack("I", len(message)) + message)


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
            messages.append(buffer[4 : 4 + length])
            buffer = buffer[4 + length :]
    return messages

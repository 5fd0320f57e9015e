"""Cuts at most one message off the buffer after each recv() (if, not while): the others stay there."""

HINT_WORDS = ("several messages", "every whole message")

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
        if len(buffer) >= 4:
            (length,) = struct.unpack("!I", buffer[:4])
            if len(buffer) >= 4 + length:
                messages.append(buffer[4 : 4 + length])
                buffer = buffer[4 + length :]
    return messages

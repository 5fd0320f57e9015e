"""Sends an empty message as an end marker and stops at the first empty one: real empty messages end the list early."""

HINT_WORDS = ("empty",)

import struct


def send_messages(sock, messages):
    for message in messages:
        sock.sendall(struct.pack("!I", len(message)) + message)
    sock.sendall(struct.pack("!I", 0))      # the end


def receive_messages(sock):
    messages, buffer = [], b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return messages
        buffer += chunk
        while len(buffer) >= 4:
            (length,) = struct.unpack("!I", buffer[:4])
            if length == 0:
                return messages          # the end marker
            if len(buffer) < 4 + length:
                break
            messages.append(buffer[4 : 4 + length])
            buffer = buffer[4 + length :]

"""Collects each header in a loop but never checks for b"": after the last message it reads for ever."""

HINT_WORDS = ("returns b''", "stop reading")

import struct


def send_messages(sock, messages):
    for message in messages:
        sock.sendall(struct.pack("!I", len(message)) + message)


def receive_messages(sock):
    messages = []
    while True:
        header = b""
        while len(header) < 4:
            header += sock.recv(4 - len(header))
        (length,) = struct.unpack("!I", header)
        body = b""
        while len(body) < length:
            body += sock.recv(length - len(body))
        messages.append(body)

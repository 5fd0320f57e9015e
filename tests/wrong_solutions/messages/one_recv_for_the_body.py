"""Loops for the 4-byte header but takes one recv(length) for the body: a body that arrives in pieces is cut short."""

HINT_WORDS = ("fewer bytes than you asked for", "whole message")

import struct


def _recv_exactly(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            return data
        data += chunk
    return data


def send_messages(sock, messages):
    for message in messages:
        sock.sendall(struct.pack("!I", len(message)) + message)


def receive_messages(sock):
    messages = []
    while True:
        header = _recv_exactly(sock, 4)
        if len(header) < 4:
            return messages
        (length,) = struct.unpack("!I", header)
        messages.append(sock.recv(length) if length else b"")

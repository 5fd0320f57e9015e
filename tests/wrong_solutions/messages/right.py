"""The worked solution from notebook 01."""

import struct

HEADER = struct.Struct("!I")   # each message starts with its length: 4 bytes, big-endian


def send_messages(sock, messages):
    """Send each message (bytes) in `messages` through the connected socket `sock`."""
    for message in messages:
        sock.sendall(HEADER.pack(len(message)) + message)


def receive_messages(sock):
    """Receive until the sender closes; return the messages, in order, as a list of bytes."""
    messages = []
    buffer = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:                       # the sender closed
            break
        buffer += chunk
        while len(buffer) >= HEADER.size:   # cut off every whole message at the front
            (length,) = HEADER.unpack(buffer[: HEADER.size])
            end = HEADER.size + length
            if len(buffer) < end:
                break                       # the rest of this message has not arrived yet
            messages.append(buffer[HEADER.size : end])
            buffer = buffer[end:]
    if buffer:
        raise ValueError("the stream ended in the middle of a message")
    return messages

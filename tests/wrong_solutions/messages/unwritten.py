"""The notebook's stubs, not written yet: one line, and no ticks."""

HINT_WORDS = ("write send_messages() first",)


def send_messages(sock, messages):
    """Send each message (bytes) in `messages` through the connected socket `sock`."""
    # Your code here: for each message, send a header, then the message (sendall).
    raise NotImplementedError("write send_messages() first")


def receive_messages(sock):
    """Receive until the sender closes; return the messages, in order, as a list of bytes."""
    # Your code here: recv in a loop, keep what arrived in a buffer,
    # cut whole messages off its front, stop when recv returns b"".
    raise NotImplementedError("write receive_messages() first")

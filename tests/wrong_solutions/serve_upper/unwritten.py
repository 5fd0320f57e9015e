"""The notebook's stub, not written yet: one line, and no ticks."""

HINT_WORDS = ("write serve_upper() first",)

import socket
import threading


def serve_upper(listener: socket.socket, stop: threading.Event) -> None:
    """Serve many clients at once; send back every byte each one sends, in capitals."""
    # Your code here: start from serve_thread_per_client or serve_selectors above.
    raise NotImplementedError("write serve_upper() first")

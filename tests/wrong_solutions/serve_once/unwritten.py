"""The notebook's stub, not written yet: one line, and no ticks."""

HINT_WORDS = ("write serve_once() first",)


def serve_once(announce) -> bytes:
    """Serve one client on 127.0.0.1: receive its request until b'', answer in capitals, close."""
    # Your code here: socket, bind, listen, settimeout, announce(port),
    # accept, settimeout, drain, sendall, close (with blocks), return.
    raise NotImplementedError("write serve_once() first")

"""The notebook's stub, not written yet: one line, and no ticks."""

HINT_WORDS = ("write bind_preferred() first",)

import socket


def bind_preferred(port: int, host: str = "127.0.0.1") -> socket.socket:
    """A TCP socket bound to (host, port), or to a port the OS picks if that port is taken."""
    # Your code here: socket.socket, bind in a try block, errno.EADDRINUSE, close, bind port 0.
    raise NotImplementedError("write bind_preferred() first")

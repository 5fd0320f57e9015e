"""The notebook's stub, not written yet: one line, and no ticks."""

HINT_WORDS = ("write read_frame() first",)


def read_frame(sock, max_size=1_000_000):
    """Read one length-prefixed frame from sock; None if the peer closed between frames."""
    # Your code here: the 4-byte header (mind the first recv: b"" means None),
    # struct.unpack("!I", header), the size check, then exactly that many bytes.
    raise NotImplementedError("write read_frame() first")

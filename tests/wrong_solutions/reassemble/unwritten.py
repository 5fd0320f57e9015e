"""The notebook's stub, not written yet: one line, and no ticks."""

HINT_WORDS = ("write reassemble() first",)


def reassemble(first_seq: int, arrivals: list[tuple[int, bytes]]) -> tuple[bytes, list[int]]:
    """Return the in-order stream and the ACK number sent after each arriving segment."""
    # Your code here: keep early bytes by position (a dict works), hand on every
    # byte that is now in order after each arrival, and record the ACK number.
    raise NotImplementedError("write reassemble() first")

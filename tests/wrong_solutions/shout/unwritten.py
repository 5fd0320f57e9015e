"""The notebook's stub, not written yet: one line, and no ticks."""

HINT_WORDS = ("write shout() first",)


def shout(port: int, text: str) -> str:
    """Send text to the upper-case server on port; return its reply."""
    # Your code here.
    raise NotImplementedError("write shout() first")

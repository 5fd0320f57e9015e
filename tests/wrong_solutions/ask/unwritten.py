"""The notebook's stub, not written yet: one line, and no ticks."""

HINT_WORDS = ("write ask() first",)


def ask(port: int, question: str) -> str:
    """Ask the calculator on port a question; return its answer."""
    # Your code here: socket.create_connection with a timeout, sendall the question
    # and b"\n", recv until the reply ends with b"\n", close, decode, strip the b"\n".
    raise NotImplementedError("write ask() first")

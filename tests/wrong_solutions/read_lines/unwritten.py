"""The notebook's stub, not written yet: one line, and no ticks."""

HINT_WORDS = ("write read_lines() first",)


def read_lines(sock, bufsize=4096, max_line=1000):
    """Yield each line arriving on sock, as str, without its b"\\n"."""
    # Your code here: a bytes buffer; sock.recv(bufsize) until it returns b"";
    # after every recv, yield each complete line in the buffer (decoded),
    # raise ValueError for a line over max_line bytes (without its b"\n"),
    # and as soon as more than max_line bytes wait without a b"\n".
    raise NotImplementedError("write read_lines() first")

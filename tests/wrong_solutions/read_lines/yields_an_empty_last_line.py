"""Yields what is left when the stream ends even if nothing is left: one '' too many."""

HINT_WORDS = ("buffer is empty",)


def read_lines(sock, bufsize=4096, max_line=1000):
    buffer = b""
    while True:
        while b"\n" in buffer:
            line, _, buffer = buffer.partition(b"\n")
            if len(line) > max_line:
                raise ValueError("line too long")
            yield line.decode("utf-8")
        if len(buffer) > max_line:
            raise ValueError("line too long")
        data = sock.recv(bufsize)
        if not data:
            yield buffer.decode("utf-8")
            return
        buffer += data

"""Checks max_line only on the bytes still waiting for a newline, never on a complete line."""

HINT_WORDS = ("every line",)


def read_lines(sock, bufsize=4096, max_line=1000):
    buffer = b""
    while True:
        data = sock.recv(bufsize)
        if not data:
            if buffer:
                yield buffer.decode("utf-8")
            return
        buffer += data
        while b"\n" in buffer:
            line, _, buffer = buffer.partition(b"\n")
            yield line.decode("utf-8")
        if len(buffer) > max_line:
            raise ValueError("line too long")

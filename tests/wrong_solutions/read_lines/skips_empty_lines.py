"""Skips empty lines (if line: yield line), though an empty line is a line."""

HINT_WORDS = ("empty line",)


def read_lines(sock, bufsize=4096, max_line=1000):
    buffer = b""
    while True:
        while b"\n" in buffer:
            line, _, buffer = buffer.partition(b"\n")
            if len(line) > max_line:
                raise ValueError("line too long")
            if line:
                yield line.decode("utf-8")
        if len(buffer) > max_line:
            raise ValueError("line too long")
        data = sock.recv(bufsize)
        if not data:
            if buffer:
                yield buffer.decode("utf-8")
            return
        buffer += data

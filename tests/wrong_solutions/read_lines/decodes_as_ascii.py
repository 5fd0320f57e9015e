"""Decodes each line as ASCII, not UTF-8: any accented letter raises UnicodeDecodeError."""

HINT_WORDS = ("ascii",)


def read_lines(sock, bufsize=4096, max_line=1000):
    buffer = b""
    while True:
        while b"\n" in buffer:
            line, _, buffer = buffer.partition(b"\n")
            if len(line) > max_line:
                raise ValueError("line too long")
            yield line.decode("ascii")
        if len(buffer) > max_line:
            raise ValueError("line too long")
        data = sock.recv(bufsize)
        if not data:
            if buffer:
                yield buffer.decode("ascii")
            return
        buffer += data

"""Yields each line as bytes, never decoded to str."""

HINT_WORDS = ("yield str",)


def read_lines(sock, bufsize=4096, max_line=1000):
    buffer = b""
    while True:
        while b"\n" in buffer:
            line, _, buffer = buffer.partition(b"\n")
            if len(line) > max_line:
                raise ValueError("line too long")
            yield line
        if len(buffer) > max_line:
            raise ValueError("line too long")
        data = sock.recv(bufsize)
        if not data:
            if buffer:
                yield buffer
            return
        buffer += data

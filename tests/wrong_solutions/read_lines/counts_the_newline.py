"""Off by one the other way: subtracts one for a newline partition() already removed, so max_line + 1 bytes pass."""

HINT_WORDS = ("longer than max_line bytes",)


def read_lines(sock, bufsize=4096, max_line=1000):
    buffer = b""
    while True:
        while b"\n" in buffer:
            line, _, buffer = buffer.partition(b"\n")
            if len(line) - 1 > max_line:        # "without the newline"
                raise ValueError("line too long")
            yield line.decode("utf-8")
        if len(buffer) > max_line + 1:
            raise ValueError("line too long")
        data = sock.recv(bufsize)
        if not data:
            if buffer:
                yield buffer.decode("utf-8")
            return
        buffer += data

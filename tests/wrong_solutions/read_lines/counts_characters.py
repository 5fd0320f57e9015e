"""Measures max_line in characters after decoding, not in bytes."""

HINT_WORDS = ("bytes, not characters",)


def read_lines(sock, bufsize=4096, max_line=1000):
    buffer = b""
    while True:
        while b"\n" in buffer:
            line, _, buffer = buffer.partition(b"\n")
            text = line.decode("utf-8")
            if len(text) > max_line:
                raise ValueError("line too long")
            yield text
        if len(buffer) > 4 * max_line:  # a character has at most 4 bytes
            raise ValueError("line too long")
        data = sock.recv(bufsize)
        if not data:
            if buffer:
                yield buffer.decode("utf-8")
            return
        buffer += data

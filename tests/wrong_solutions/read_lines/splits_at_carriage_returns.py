"""Splits with bytes.splitlines(), which also ends a line at b'\r': a line holding a CR comes out as two."""

HINT_WORDS = ("splitlines",)


def read_lines(sock, bufsize=4096, max_line=1000):
    buffer = b""
    while True:
        parts = buffer.splitlines(keepends=True)
        buffer = b""
        for part in parts:
            if part.endswith((b"\n", b"\r")):
                line = part.rstrip(b"\r\n")
                if len(line) > max_line:
                    raise ValueError("line too long")
                yield line.decode("utf-8")
            else:
                buffer = part
        if len(buffer) > max_line:
            raise ValueError("line too long")
        data = sock.recv(bufsize)
        if not data:
            if buffer:
                yield buffer.decode("utf-8")
            return
        buffer += data

"""Checks max_line only on complete lines: bytes without a newline are buffered without limit."""

HINT_WORDS = ("more than max_line bytes", "without a b'\\n'")


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
            if len(line) > max_line:
                raise ValueError("line too long")
            yield line.decode("utf-8")

"""Hands over each line with its b'\\n' still on it."""

HINT_WORDS = ("without its",)


def read_lines(sock, bufsize=4096, max_line=1000):
    buffer = b""
    while True:
        while b"\n" in buffer:
            end = buffer.index(b"\n") + 1
            line, buffer = buffer[:end], buffer[end:]
            if len(line) - 1 > max_line:
                raise ValueError("line too long")
            yield line.decode("utf-8")
        if len(buffer) > max_line:
            raise ValueError("line too long")
        data = sock.recv(bufsize)
        if not data:
            if buffer:
                yield buffer.decode("utf-8")
            return
        buffer += data

"""Takes a timeout for the end of a line: a pause in the stream hands over half a line."""

HINT_WORDS = ("timeout",)


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
        try:
            data = sock.recv(bufsize)
        except TimeoutError:
            if buffer:
                yield buffer.decode("utf-8")
                buffer = b""
            continue
        if not data:
            if buffer:
                yield buffer.decode("utf-8")
            return
        buffer += data

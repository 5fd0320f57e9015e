"""Takes each recv() as one line: two lines that arrive together come out as one."""

HINT_WORDS = ("several lines",)


def read_lines(sock, bufsize=4096, max_line=1000):
    while True:
        data = sock.recv(bufsize)
        if not data:
            return
        line = data.rstrip(b"\n")
        if len(line) > max_line:
            raise ValueError("line too long")
        yield line.decode("utf-8")

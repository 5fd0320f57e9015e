"""Another right answer: a buffered file object over the socket does the buffering."""


def read_lines(sock, bufsize=4096, max_line=1000):
    with sock.makefile("rb") as stream:
        while True:
            line = stream.readline(max_line + 2)  # room for max_line + 1 bytes and the b"\n"
            if not line:
                return
            if line.endswith(b"\n"):
                line = line[:-1]
            if len(line) > max_line:
                raise ValueError("line too long")
            yield line.decode("utf-8")

"""Another right answer: split the whole buffer after each recv and keep the unfinished tail."""


def read_lines(sock, bufsize=4096, max_line=1000):
    buffer = b""
    while True:
        data = sock.recv(bufsize)
        if not data:
            if buffer:
                yield buffer.decode("utf-8")
            return
        buffer += data
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            if len(line) > max_line:
                raise ValueError("line too long")
            yield line.decode("utf-8")
        if len(buffer) > max_line:
            raise ValueError("no newline in sight")

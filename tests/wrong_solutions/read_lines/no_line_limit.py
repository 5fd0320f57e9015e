"""Never checks max_line: a peer that never sends a newline makes it wait and buffer for ever."""

HINT_WORDS = ("more than max_line bytes",)


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
            yield line.decode("utf-8")

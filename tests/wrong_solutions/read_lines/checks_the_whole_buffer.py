"""Checks max_line on the whole buffer before splitting it: several short lines in one recv() are refused."""

HINT_WORDS = ("what waits without one",)


def read_lines(sock, bufsize=4096, max_line=1000):
    buffer = b""
    while True:
        data = sock.recv(bufsize)
        if not data:
            if buffer:
                yield buffer.decode("utf-8")
            return
        buffer += data
        if len(buffer) > max_line:
            raise ValueError("line too long")
        while b"\n" in buffer:
            line, _, buffer = buffer.partition(b"\n")
            yield line.decode("utf-8")

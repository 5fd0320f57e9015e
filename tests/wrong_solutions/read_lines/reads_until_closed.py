"""Reads the whole stream before it hands over any line: a conversation waits for ever."""

HINT_WORDS = ("as soon as",)


def read_lines(sock, bufsize=4096, max_line=1000):
    data = b""
    while True:
        chunk = sock.recv(bufsize)
        if not chunk:
            break
        data += chunk
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    for line in lines:
        if len(line) > max_line:
            raise ValueError("line too long")
        yield line.decode("utf-8")

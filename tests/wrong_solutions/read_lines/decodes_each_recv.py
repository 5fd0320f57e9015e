"""Decodes each recv() on its own: a character cut between two recv() calls cannot be decoded."""

HINT_WORDS = ("decode whole lines",)


def read_lines(sock, bufsize=4096, max_line=1000):
    text = ""
    while True:
        data = sock.recv(bufsize)
        if not data:
            if text:
                yield text
            return
        text += data.decode("utf-8")
        while "\n" in text:
            line, _, text = text.partition("\n")
            if len(line.encode("utf-8")) > max_line:
                raise ValueError("line too long")
            yield line
        if len(text.encode("utf-8")) > max_line:
            raise ValueError("line too long")

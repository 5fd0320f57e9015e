"""Never looks for b'': once the peer has closed, it calls recv() for ever."""

HINT_WORDS = ("returns b'' every time",)


def read_lines(sock, bufsize=4096, max_line=1000):
    buffer = b""
    while True:
        buffer += sock.recv(bufsize)
        while b"\n" in buffer:
            line, _, buffer = buffer.partition(b"\n")
            if len(line) > max_line:
                raise ValueError("line too long")
            yield line.decode("utf-8")
        if len(buffer) > max_line:
            raise ValueError("line too long")

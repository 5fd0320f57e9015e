"""The worked solution from notebook 06."""


def read_lines(sock, bufsize=4096, max_line=1000):
    """Yield each line arriving on sock, as str, without its b"\\n"."""
    buffer = b""
    while True:
        while b"\n" in buffer:
            line, _, buffer = buffer.partition(b"\n")
            if len(line) > max_line:
                raise ValueError(f"a line of {len(line)} bytes is over max_line={max_line}")
            yield line.decode("utf-8")
        if len(buffer) > max_line:
            raise ValueError(f"more than max_line={max_line} bytes without a newline")
        data = sock.recv(bufsize)
        if not data:                      # the peer has closed
            if buffer:
                yield buffer.decode("utf-8")
            return
        buffer += data

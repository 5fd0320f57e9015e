"""The notebook's stub, not written yet: one line, and no ticks."""

HINT_WORDS = ("write parse_endpoint() first",)


def parse_endpoint(url: str) -> tuple[str, int]:
    """The (host, port) a client connects to for url."""
    # Your code here: urllib.parse.urlsplit, .hostname, .port, names.service_port.
    raise NotImplementedError("write parse_endpoint() first")

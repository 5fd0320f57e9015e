"""Takes the host from the netloc: an IPv6 address keeps its brackets, a user name and capitals stay."""

HINT_WORDS = ("brackets", ".hostname")

import urllib.parse

from sockutil import names


def parse_endpoint(url: str) -> tuple[str, int]:
    parts = urllib.parse.urlsplit(url)
    port = parts.port
    host = parts.netloc.rsplit(":", 1)[0] if port is not None else parts.netloc
    if not host:
        raise ValueError("no host")
    if port == 0:
        raise ValueError("port 0 is not a destination")
    if port is None:
        try:
            port = names.service_port(parts.scheme)
        except LookupError:
            raise ValueError("no well-known port") from None
    return host, port

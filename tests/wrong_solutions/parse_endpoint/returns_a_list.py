"""Returns [host, port], a list, instead of the tuple (host, port)."""

HINT_WORDS = ("a tuple", "not a list")

import urllib.parse

from sockutil import names


def parse_endpoint(url: str) -> tuple[str, int]:
    parts = urllib.parse.urlsplit(url)
    if not parts.hostname:
        raise ValueError("no host")
    port = parts.port
    if port == 0:
        raise ValueError("port 0 is not a destination")
    if port is None:
        try:
            port = names.service_port(parts.scheme)
        except LookupError:
            raise ValueError("no well-known port") from None
    return [parts.hostname, port]

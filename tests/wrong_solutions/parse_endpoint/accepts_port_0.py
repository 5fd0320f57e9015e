"""Accepts port 0, which only means "pick one" in bind and is never a destination."""

HINT_WORDS = ("1 to 65535",)

import urllib.parse

from sockutil import names


def parse_endpoint(url: str) -> tuple[str, int]:
    parts = urllib.parse.urlsplit(url)
    if not parts.hostname:
        raise ValueError("no host")
    port = parts.port
    if port is None:
        try:
            port = names.service_port(parts.scheme)
        except LookupError:
            raise ValueError("no well-known port") from None
    return parts.hostname, port

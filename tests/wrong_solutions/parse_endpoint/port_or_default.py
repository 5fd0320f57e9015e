"""Writes `parts.port or service_port(scheme)`: port 0 is falsy, so it quietly becomes the scheme's port."""

HINT_WORDS = ("gives 0", "raise valueerror yourself")

import urllib.parse

from sockutil import names


def parse_endpoint(url: str) -> tuple[str, int]:
    parts = urllib.parse.urlsplit(url)
    if not parts.hostname:
        raise ValueError("no host")
    try:
        port = parts.port or names.service_port(parts.scheme)
    except LookupError:
        raise ValueError("no well-known port") from None
    return parts.hostname, port

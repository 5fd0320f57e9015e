"""Returns None for a URL it cannot use instead of raising ValueError."""

HINT_WORDS = ("raise valueerror",)

import urllib.parse

from sockutil import names


def parse_endpoint(url: str) -> tuple[str, int] | None:
    parts = urllib.parse.urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname or port == 0:
        return None
    if port is None:
        try:
            port = names.service_port(parts.scheme)
        except LookupError:
            return None
    return parts.hostname, port

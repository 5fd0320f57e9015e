"""Returns the port as the text of the URL ('4444'), not as an int."""

HINT_WORDS = ("must be an int",)

import urllib.parse

from sockutil import names


def parse_endpoint(url: str) -> tuple[str, int]:
    parts = urllib.parse.urlsplit(url)
    if not parts.hostname:
        raise ValueError("no host")
    port = parts.netloc.rpartition(":")[2] if parts.port else None
    if parts.port == 0:
        raise ValueError("port 0")
    if port is None:
        try:
            port = str(names.service_port(parts.scheme))
        except LookupError:
            raise ValueError("no well-known port") from None
    return parts.hostname, port

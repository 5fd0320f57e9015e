"""The worked solution from notebook 04."""

import urllib.parse

from sockutil import names


def parse_endpoint(url: str) -> tuple[str, int]:
    """The (host, port) a client connects to for url."""
    parts = urllib.parse.urlsplit(url)
    if not parts.hostname:
        raise ValueError(f"{url!r} names no host")
    port = parts.port                        # raises ValueError for a bad port
    if port == 0:
        raise ValueError(f"{url!r}: port 0 is not a destination")
    if port is None:
        try:
            port = names.service_port(parts.scheme)
        except LookupError:
            raise ValueError(f"{url!r} has no port, and {parts.scheme!r} no well-known one") from None
    return parts.hostname, port

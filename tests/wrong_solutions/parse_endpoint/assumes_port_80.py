"""Uses port 80 whenever the URL names none, whatever the scheme (https is 443)."""

HINT_WORDS = ("443", "service_port(scheme)")

import urllib.parse


def parse_endpoint(url: str) -> tuple[str, int]:
    parts = urllib.parse.urlsplit(url)
    if not parts.hostname:
        raise ValueError("no host")
    port = parts.port
    if port == 0:
        raise ValueError("port 0 is not a destination")
    return parts.hostname, port if port is not None else 80

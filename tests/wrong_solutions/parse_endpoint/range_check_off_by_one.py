"""Checks the port range by hand with 0 < port < 65535: the highest port, 65535, is refused."""

HINT_WORDS = ("65535",)

import urllib.parse

from sockutil import names


def parse_endpoint(url: str) -> tuple[str, int]:
    parts = urllib.parse.urlsplit(url)
    if not parts.hostname:
        raise ValueError("no host")
    port = parts.port
    if port is not None and not 0 < port < 65535:
        raise ValueError(f"port {port} out of range")
    if port is None:
        try:
            port = names.service_port(parts.scheme)
        except LookupError:
            raise ValueError("no well-known port") from None
    return parts.hostname, port

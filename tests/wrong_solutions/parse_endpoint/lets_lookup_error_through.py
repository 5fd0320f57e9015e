"""Lets names.service_port's LookupError escape for a scheme with no well-known port."""

HINT_WORDS = ("lookuperror", "raise valueerror instead")

import urllib.parse

from sockutil import names


def parse_endpoint(url: str) -> tuple[str, int]:
    parts = urllib.parse.urlsplit(url)
    if not parts.hostname:
        raise ValueError("no host")
    if parts.port == 0:
        raise ValueError("port 0 is not a destination")
    return parts.hostname, parts.port or names.service_port(parts.scheme)

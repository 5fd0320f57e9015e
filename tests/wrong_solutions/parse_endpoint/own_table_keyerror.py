"""Indexes its own table of ports (DEFAULT_PORTS[scheme]): a scheme not in it raises KeyError, not ValueError."""

HINT_WORDS = ("service_port",)

import urllib.parse

DEFAULT_PORTS = {"http": 80, "https": 443, "ftp": 21}


def parse_endpoint(url: str) -> tuple[str, int]:
    parts = urllib.parse.urlsplit(url)
    if not parts.hostname:
        raise ValueError("no host")
    port = parts.port
    if port == 0:
        raise ValueError("port 0 is not a destination")
    return parts.hostname, port if port is not None else DEFAULT_PORTS[parts.scheme]

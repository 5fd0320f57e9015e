"""Looks the default port up in its own table {'http': 80, 'https': 443} instead of names.service_port: ssh has none."""

HINT_WORDS = ("service_port(scheme) knows none", "table of your own")

import urllib.parse

DEFAULT_PORTS = {"http": 80, "https": 443}


def parse_endpoint(url: str) -> tuple[str, int]:
    parts = urllib.parse.urlsplit(url)
    if not parts.hostname:
        raise ValueError("no host")
    port = parts.port
    if port == 0:
        raise ValueError("port 0 is not a destination")
    if port is None:
        if parts.scheme not in DEFAULT_PORTS:
            raise ValueError(f"no well-known port for {parts.scheme!r}")
        port = DEFAULT_PORTS[parts.scheme]
    return parts.hostname, port

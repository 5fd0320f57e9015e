"""Uses socket.getservbyname(scheme) and catches LookupError: getservbyname raises OSError, which escapes."""

HINT_WORDS = ("getservbyname raises oserror",)

import socket
import urllib.parse


def parse_endpoint(url: str) -> tuple[str, int]:
    parts = urllib.parse.urlsplit(url)
    if not parts.hostname:
        raise ValueError("no host")
    port = parts.port
    if port == 0:
        raise ValueError("port 0 is not a destination")
    if port is None:
        try:
            port = socket.getservbyname(parts.scheme, "tcp")
        except LookupError:
            raise ValueError("no well-known port") from None
    return parts.hostname, port

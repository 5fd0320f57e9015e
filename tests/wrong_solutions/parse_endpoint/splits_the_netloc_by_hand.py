"""Splits the netloc at ':' by hand: a user name stays in the host, and bad ports go unchecked."""

HINT_WORDS = ("not part of the host",)

import urllib.parse


def parse_endpoint(url: str) -> tuple[str, int]:
    netloc = urllib.parse.urlsplit(url).netloc
    host, _, port = netloc.partition(":")
    return host, int(port) if port else 80

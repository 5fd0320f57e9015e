"""The checks of notebook 04: binding a preferred port, and finding a URL's endpoint."""

from __future__ import annotations

import errno
import socket
import urllib.parse

from sockutil import names
from sockutil.checks.addresses import check_bind_preferred, check_parse_endpoint


def good_bind_preferred(port: int, host: str = "127.0.0.1") -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((host, port))
        return sock
    except OSError as error:
        sock.close()
        if error.errno != errno.EADDRINUSE:
            raise
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((host, 0))
    except OSError:
        sock.close()
        raise
    return sock


def test_a_correct_bind_preferred_passes(capsys):
    check_bind_preferred(good_bind_preferred)
    out = capsys.readouterr().out
    assert "✘" not in out and "all 6 checks passed" in out


def test_the_kits_own_bind_preferred_passes(capsys):
    check_bind_preferred(names.bind_preferred)
    assert "all 6 checks passed" in capsys.readouterr().out


def test_a_bind_that_never_falls_back_is_caught(capsys):
    def stubborn(port, host="127.0.0.1"):
        sock = socket.socket()
        try:
            sock.bind((host, port))
        except OSError:
            sock.close()
            raise
        return sock

    check_bind_preferred(stubborn)
    out = capsys.readouterr().out
    assert "✘ a taken port falls back to another port: raised OSError" in out
    assert "hint: catch the OSError" in out
    assert "2 of 6 checks failed" in out


def test_a_leaky_fallback_that_ignores_the_host_is_caught(capsys):
    def leaky(port, host="127.0.0.1"):
        sock = socket.socket()
        try:
            sock.bind((host, port))
        except OSError:
            sock = socket.socket()  # the first socket is dropped unclosed
            sock.bind(("127.0.0.1", 0))
        return sock

    check_bind_preferred(leaky)
    out = capsys.readouterr().out
    assert "✘ the socket whose bind failed was closed" in out
    assert "✘ an address this machine does not have (192.0.2.1) raises OSError" in out
    assert "2 of 6 checks failed" in out


def test_a_fallback_port_outside_the_os_range_is_pointed_out(capsys, monkeypatch):
    # Pretend the OS's range is tiny, so the port the OS really picked falls outside it.
    monkeypatch.setattr("sockutil.checks.addresses.ephemeral_port_range", lambda: (1, 2))
    check_bind_preferred(good_bind_preferred)
    out = capsys.readouterr().out
    assert "✘ the fallback port is one the OS picked" in out
    assert "hint: bind port 0 to let the OS pick" in out


def test_a_raising_stub_is_reported_without_traceback(capsys):
    def stub(port, host="127.0.0.1"):
        raise NotImplementedError("write bind_preferred() first")

    check_bind_preferred(stub)
    out = capsys.readouterr().out
    assert "raised NotImplementedError: write bind_preferred() first" in out
    assert "Traceback" not in out and "Keep going!" in out


def good_parse_endpoint(url: str) -> tuple[str, int]:
    parts = urllib.parse.urlsplit(url)
    if not parts.hostname:
        raise ValueError("no host")
    port = parts.port
    if port == 0:
        raise ValueError("port 0 is not a destination")
    if port is None:
        try:
            port = names.service_port(parts.scheme)
        except LookupError:
            raise ValueError("no well-known port") from None
    return parts.hostname, port


def test_a_correct_parse_endpoint_passes(capsys):
    check_parse_endpoint(good_parse_endpoint)
    out = capsys.readouterr().out
    assert "✘" not in out and "all 11 checks passed" in out


def test_splitting_the_netloc_by_hand_is_caught(capsys):
    def by_hand(url):
        netloc = urllib.parse.urlsplit(url).netloc
        host, _, port = netloc.partition(":")
        return host, int(port) if port else 80

    check_parse_endpoint(by_hand)
    out = capsys.readouterr().out
    assert "✘ ssh://git@example.test/course.git" in out and "not part of the host" in out
    assert "✘ http://127.0.0.1:99999/ (a port above 65535): returned" in out
    assert "8 of 11 checks failed" in out


def test_a_string_port_is_pointed_out(capsys):
    check_parse_endpoint(lambda url: (urllib.parse.urlsplit(url).hostname, str(urllib.parse.urlsplit(url).port)))
    out = capsys.readouterr().out
    assert "the port must be an int" in out


def test_lookup_error_is_not_value_error(capsys):
    def leaks_lookup_error(url):
        parts = urllib.parse.urlsplit(url)
        if not parts.hostname:
            raise ValueError("no host")
        return parts.hostname, parts.port or names.service_port(parts.scheme)

    check_parse_endpoint(leaks_lookup_error)
    out = capsys.readouterr().out
    assert "raised LookupError" in out and "raise ValueError instead" in out


def test_accepting_port_0_is_caught(capsys):
    def allows_port_0(url):
        parts = urllib.parse.urlsplit(url)
        if not parts.hostname:
            raise ValueError("no host")
        port = parts.port
        if port is None:
            try:
                port = names.service_port(parts.scheme)
            except LookupError:
                raise ValueError("no well-known port") from None
        return parts.hostname, port

    check_parse_endpoint(allows_port_0)
    out = capsys.readouterr().out
    assert "✘ http://127.0.0.1:0/ (port 0, never a destination): returned ('127.0.0.1', 0)" in out
    assert "a destination port is 1 to 65535" in out and "1 of 11 checks failed" in out


def test_the_non_local_address_hint_names_ip_nonlocal_bind(capsys):
    from sockutil.checks.addresses import check_bind_preferred

    def falls_back_on_everything(port, host="127.0.0.1"):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind((host, port))
        except OSError:
            sock.close()
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                sock.bind(("127.0.0.1", 0))
            except OSError:
                sock.close()
                raise
        return sock

    check_bind_preferred(falls_back_on_everything)
    out = capsys.readouterr().out
    assert "✘ an address this machine does not have (192.0.2.1) raises OSError" in out
    assert "ip_nonlocal_bind" in out

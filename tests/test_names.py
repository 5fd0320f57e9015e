"""Names, services and port ranges: the same answers on every machine, no internet needed."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

from sockutil import names
from sockutil.errors import NameResolutionError, PortInUseError, PrivilegedPortError


def test_localhost_resolves_to_loopback():
    addresses = names.resolve("localhost")
    assert "127.0.0.1" in addresses or "::1" in addresses
    assert set(addresses) <= {"127.0.0.1", "::1"}
    assert len(addresses) == len(set(addresses))


def test_ip_literal_resolves_to_itself():
    assert names.resolve("127.0.0.1") == ["127.0.0.1"]


@pytest.mark.parametrize("host", ["nonexistent.invalid", "a" * 70 + ".invalid"])
def test_unresolvable_name_has_fixed_wording(host):
    with pytest.raises(NameResolutionError) as info:
        names.resolve(host)
    assert str(info.value).startswith(f"cannot resolve {host!r}")
    assert isinstance(info.value, OSError)


def test_service_ports_from_the_os():
    assert names.service_port("http") == 80
    assert names.service_port("ssh") == 22


def test_service_ports_fall_back_without_etc_services(monkeypatch):
    def missing(*args):
        raise OSError("service/proto not found")

    monkeypatch.setattr(socket, "getservbyname", missing)
    monkeypatch.setattr(socket, "getservbyport", missing)
    assert names.service_port("ssh") == 22
    assert names.service_name(80) == "http"
    assert names.service_name(4444) is None
    with pytest.raises(LookupError, match="no well-known port"):
        names.service_port("no-such-service")


def test_ephemeral_range_is_a_sane_range():
    low, high = names.ephemeral_port_range()
    assert 1024 <= low < high <= 65535


def test_ephemeral_range_matches_ports_the_os_hands_out():
    low, high = names.ephemeral_port_range()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        assert low <= sock.getsockname()[1] <= high


def test_unprivileged_port_start_is_a_port_number():
    assert 0 <= names.unprivileged_port_start() <= 65536


def test_bind_errors_are_translated():
    import errno

    in_use = names.bind_error(OSError(errno.EADDRINUSE, "x"), "127.0.0.1", 4444)
    assert isinstance(in_use, PortInUseError) and "4444" in str(in_use)
    denied = names.bind_error(OSError(errno.EACCES, "x"), "127.0.0.1", 80)
    assert isinstance(denied, PrivilegedPortError) and "port 80" in str(denied)
    other = OSError(errno.EINVAL, "x")
    assert names.bind_error(other, "127.0.0.1", 1) is other


def test_family_for():
    assert names.family_for("::1") == socket.AF_INET6
    assert names.family_for("127.0.0.1") == socket.AF_INET


def test_can_bind_low_ports_reads_the_capability_not_the_user():
    from sockutil.checks.privileges import this_thread_without_bind_capability

    if not Path("/proc/thread-self/status").exists():
        pytest.skip("Linux only")
    seen: list[bool] = []

    def look():
        with this_thread_without_bind_capability():
            seen.append(names.can_bind_low_ports())

    thread = threading.Thread(target=look)
    thread.start()
    thread.join(10)
    assert seen == [False]

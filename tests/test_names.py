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


def test_bind_preferred_takes_the_preferred_port_when_free():
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    with names.bind_preferred(port) as sock:
        assert sock.getsockname()[1] == port


def test_bind_preferred_falls_back_when_taken():
    with socket.create_server(("127.0.0.1", 0)) as taker:
        port = taker.getsockname()[1]
        with names.bind_preferred(port) as sock:
            assert sock.getsockname()[1] not in (port, 0)


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


def test_bind_preferred_does_not_hide_a_refused_port(monkeypatch):
    """PermissionError on the preferred port must not become another port (fails on the old code)."""
    import errno

    made: list[socket.socket] = []
    real_socket = socket.socket

    class RefusesPort80(real_socket):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

        def bind(self, address):
            if address[1] == 80:
                raise PermissionError(errno.EACCES, "Permission denied")
            super().bind(address)

    monkeypatch.setattr(socket, "socket", RefusesPort80)
    try:
        with pytest.raises(PrivilegedPortError) as info:
            names.bind_preferred(80)
        assert isinstance(info.value, PermissionError) and "port 80" in str(info.value)
        assert len(made) == 1, "no second socket: nothing to fall back to"
        assert made[0].fileno() == -1, "the refused socket is closed"
    finally:
        for sock in made:
            sock.close()


def test_bind_preferred_raises_for_a_port_the_kernel_refuses_this_thread():
    """The real kernel's refusal: a thread without CAP_NET_BIND_SERVICE binding port 80 (root too)."""
    from sockutil.checks.privileges import refused_low_port, this_thread_without_bind_capability

    port, real = refused_low_port()
    if not real:
        pytest.skip("the kernel refuses no low port here (no privileged range, or not Linux)")
    outcome: list[object] = []

    def without_capability():
        with this_thread_without_bind_capability():
            try:
                names.bind_preferred(port).close()
                outcome.append("bound another port")
            except OSError as error:
                outcome.append(error)

    thread = threading.Thread(target=without_capability)
    thread.start()
    thread.join(10)
    assert len(outcome) == 1 and isinstance(outcome[0], PrivilegedPortError), outcome


def test_bind_preferred_raises_for_an_address_this_machine_lacks():
    if Path("/proc/sys/net/ipv4/ip_nonlocal_bind").read_text().strip() != "0":
        pytest.skip("this machine lets programs bind addresses it does not have")
    with pytest.raises(OSError) as info:
        names.bind_preferred(4444, "192.0.2.1")
    assert not isinstance(info.value, PortInUseError)


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

"""Addresses, hostnames and ports: the questions a student asks before bind().

Why this module: the answers depend on the machine (which names resolve, which
port range the OS hands out, whether /etc/services exists, who may bind port
80), and a notebook must print the same text everywhere. Each helper returns
plain values and raises the kit's own errors with fixed wording.

Getting a port
--------------
The only race-free way to get a free port is to bind port 0 and read back the
port the OS chose (``sock.getsockname()[1]``), keeping the socket. A helper
that binds port 0, closes the socket and returns the number races with every
other process on the machine, which may take the port in between. This module
has no such helper on purpose; ``listening_socket`` returns the socket itself,
bound and listening.

IPv6 beside IPv4
----------------
Every helper takes an IPv6 address as well as an IPv4 one: the family is
chosen from the address itself (``family_for``), so ``'::1'`` gets an
``AF_INET6`` socket. A URL writes an IPv6 address in brackets, port or
not (RFC 3986), and so do people before a port (``[::1]:4444``): the
brackets are accepted wherever a host is, and taken off before the OS sees
them (``unbracket``);
``host_port`` puts them back for display. Some machines have no IPv6 at all
(a container with IPv6 switched off): ``has_ipv6_loopback`` asks the OS once
whether ``::1`` can be bound, so that lessons and tests can say so instead of
failing.
"""

from __future__ import annotations

import errno
import functools
import ipaddress
import os
import socket
import subprocess
import sys
from pathlib import Path

from .errors import NameResolutionError, PortInUseError, PrivilegedPortError

__all__ = [
    "LOOPBACK",
    "WELL_KNOWN_FALLBACK",
    "family_for",
    "unbracket",
    "host_port",
    "has_ipv6_loopback",
    "address_in_use",
    "bind_error",
    "listening_socket",
    "service_port",
    "service_name",
    "ephemeral_port_range",
    "unprivileged_port_start",
    "can_bind_low_ports",
    "resolve",
]

#: The IPv4 loopback address. Servers bind here unless told otherwise, so
#: nothing the kit starts is reachable from another machine.
LOOPBACK = "127.0.0.1"

#: Used when the OS has no services database (slim containers lack
#: /etc/services). Numbers from IANA's registry.
WELL_KNOWN_FALLBACK: dict[str, int] = {
    "ftp": 21,
    "ssh": 22,
    "telnet": 23,
    "smtp": 25,
    "domain": 53,
    "http": 80,
    "pop3": 110,
    "imap": 143,
    "https": 443,
    "imaps": 993,
    "pop3s": 995,
    "mysql": 3306,
    "postgresql": 5432,
}


def family_for(host: str) -> socket.AddressFamily:
    """AF_INET6 for an IPv6 literal such as ``'::1'`` (or ``'[::1]'``), otherwise AF_INET.

    Only IPv6 addresses contain a colon; a name such as ``localhost`` gets
    AF_INET, as the kit's servers have always bound it.
    """
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def unbracket(host: str) -> str:
    """The host without surrounding blanks and URL brackets: ``' [::1] '`` -> ``'::1'``.

    ``[::1]`` is how a URL writes an IPv6 address (RFC 3986), and how people write
    one before a port (``[::1]:4444``); the socket calls want it bare. Raises ``ValueError`` for a lone
    bracket, which no address or name contains.
    """
    text = host.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1].strip()
    if "[" in text or "]" in text:
        raise ValueError(f"{host!r} is not an address: brackets go around a whole IPv6 address, as in [::1]")
    return text


def host_port(host: str, port: int) -> str:
    """``host:port`` for people, an IPv6 address in brackets: ``'[::1]:4444'``, ``'127.0.0.1:4444'``.

    Without the brackets, ``::1:4444`` could be read as the address
    ``::1:4444`` (IPv6 writes its groups with colons too).
    """
    host = unbracket(host)
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


@functools.cache
def has_ipv6_loopback() -> bool:
    """Whether this machine can bind the IPv6 loopback address ``::1`` (asked once, then remembered).

    False where Python was built without IPv6, or where the kernel has IPv6
    switched off (some containers and hosts do: ``net.ipv6.conf.lo.disable_ipv6``).
    """
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


#: Windows' own number for "address in use" (WSAEADDRINUSE), which it reports beside errno.
WSAEADDRINUSE = 10048


def address_in_use(error: OSError) -> bool:
    """Whether a failed bind failed because another socket holds the address (EADDRINUSE)."""
    return error.errno == errno.EADDRINUSE or getattr(error, "winerror", None) == WSAEADDRINUSE


def bind_error(error: OSError, host: str, port: int) -> OSError:
    """Turn a failed bind's OS error into the kit's error with fixed wording."""
    if address_in_use(error):
        return PortInUseError(host, port)
    if error.errno in (errno.EACCES, errno.EPERM):
        return PrivilegedPortError(host, port)
    return error


def listening_socket(host: str = LOOPBACK, port: int = 0, backlog: int = 128) -> socket.socket:
    """Create, bind and listen, raising the kit's errors for a taken or privileged port.

    Uses ``socket.create_server``, which sets SO_REUSEADDR where that is safe
    (so a port can be reused at once after its server stops, despite
    TIME_WAIT) and never SO_REUSEPORT (which would let two servers share it).
    An IPv6 address (``'::1'``, or ``'[::1]'``) gets an IPv6 socket; for
    ``'::'`` that socket takes IPv6 clients only (``create_server`` sets
    IPV6_V6ONLY). A host that does not resolve raises ``NameResolutionError``.
    """
    host = unbracket(host)
    family = family_for(host)
    if host and not _is_address(host):
        # create_server turns a failed lookup into a plain OSError with the OS's
        # words; looking the name up first gives the kit's, the same everywhere.
        resolve(host, port, family)
    try:
        return socket.create_server((host, port), family=family, backlog=backlog)
    except OSError as error:
        raise bind_error(error, host, port) from error


def _is_address(host: str) -> bool:
    """Whether ``host`` is an IP address written out (no name to look up); an IPv6 zone (``%lo``) is allowed."""
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


def service_port(name: str, protocol: str = "tcp") -> int:
    """The well-known port of a service (``'http'`` -> 80), from the OS or the fallback table.

    Raises ``LookupError`` for a name neither knows. Service names are not
    URL schemes: ``ws://`` means port 80, but no service is named ``ws``.
    """
    try:
        return socket.getservbyname(name, protocol)
    except OSError:
        try:
            return WELL_KNOWN_FALLBACK[name.lower()]
        except KeyError:
            raise LookupError(f"no well-known port is registered for {name!r}") from None


def service_name(port: int, protocol: str = "tcp") -> str | None:
    """The service registered for a port (80 -> ``'http'``), or ``None``."""
    try:
        return socket.getservbyport(port, protocol)
    except OSError:
        for name, number in WELL_KNOWN_FALLBACK.items():
            if number == port:
                return name
        return None


#: IANA's suggested ephemeral range (RFC 6335), used by Windows and macOS.
IANA_EPHEMERAL = (49152, 65535)


def ephemeral_port_range() -> tuple[int, int]:
    """The range the OS picks client ports (and port 0) from, read from the OS where it can be.

    Linux: /proc/sys/net/ipv4/ip_local_port_range (often 32768-60999).
    macOS: the sysctls net.inet.ip.portrange.first and .last.
    Elsewhere: the IANA range 49152-65535, which Windows uses by default.
    """
    path = Path("/proc/sys/net/ipv4/ip_local_port_range")
    try:
        low, high = path.read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        pass
    if sys.platform == "darwin":
        try:
            out = subprocess.run(
                ["sysctl", "-n", "net.inet.ip.portrange.first", "net.inet.ip.portrange.last"],
                capture_output=True, text=True, timeout=5, check=True,
            ).stdout.split()
            return int(out[0]), int(out[1])
        except (OSError, ValueError, IndexError, subprocess.SubprocessError):
            pass
    return IANA_EPHEMERAL


def unprivileged_port_start() -> int:
    """The lowest port a process may bind without privilege (Linux reads it from the OS; else 1024).

    Below it, Linux requires the capability CAP_NET_BIND_SERVICE
    (``can_bind_low_ports``), which root usually has.

    Linux lets the administrator change it (``net.ipv4.ip_unprivileged_port_start``).
    macOS since 10.14 (Mojave) lets anyone bind any port on the wildcard
    address ``''`` (a specific address such as 127.0.0.1 still needs root below
    1024); this returns 0 there, the answer for the wildcard address. Windows
    reserves no ports. The 1024 rule is a tradition, not a law of every OS.
    """
    if sys.platform == "darwin":
        return 0
    if sys.platform == "win32":
        return 0
    path = Path("/proc/sys/net/ipv4/ip_unprivileged_port_start")
    try:
        return int(path.read_text())
    except (OSError, ValueError):
        return 1024


#: The bit of CAP_NET_BIND_SERVICE in Linux's capability sets (linux/capability.h).
CAP_NET_BIND_SERVICE = 10


def can_bind_low_ports() -> bool:
    """Whether this thread may bind ports below ``unprivileged_port_start()``.

    On Linux the capability CAP_NET_BIND_SERVICE decides, not the user id:
    root has it unless a hardened container drops it, and ``setcap
    cap_net_bind_service=+ep`` gives it to a program run by anyone. It is
    read from the effective set (``CapEff``) in /proc/thread-self/status,
    since capabilities belong to each thread. macOS has no such capability:
    root (effective user id 0) may. Windows reserves no ports: anyone may.
    """
    if sys.platform == "win32":
        return True
    for path in ("/proc/thread-self/status", "/proc/self/status"):
        try:
            lines = Path(path).read_text().splitlines()
        except OSError:
            continue
        for line in lines:
            if line.startswith("CapEff:"):
                return bool(int(line.split()[1], 16) >> CAP_NET_BIND_SERVICE & 1)
    return hasattr(os, "geteuid") and os.geteuid() == 0


def resolve(host: str, port: int | None = None, family: int = socket.AF_UNSPEC) -> list[str]:
    """The distinct addresses ``host`` resolves to for TCP, in the resolver's order.

    Raises ``NameResolutionError`` (an OSError) with fixed wording when the name
    does not resolve, whatever the OS's own message.
    """
    try:
        infos = socket.getaddrinfo(host, port, family, socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise NameResolutionError(host) from error
    except UnicodeError as error:  # a label over 63 characters, for example
        raise NameResolutionError(host) from error
    addresses: list[str] = []
    for *_, sockaddr in infos:
        if sockaddr[0] not in addresses:
            addresses.append(sockaddr[0])
    return addresses

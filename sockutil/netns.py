"""Two hosts on a real Ethernet link inside one Linux machine: two network namespaces joined by a veth pair.

Theory of operation
-------------------
Loopback is no network: its MTU is 65536, it has no Ethernet header and it
never loses a packet. A Linux *network namespace* is a whole network stack of
its own (interfaces, addresses, routes, firewall rules, TCP counters), and a
*veth pair* is a virtual Ethernet cable whose two ends can sit in two
namespaces. Two namespaces and one veth pair therefore make two hosts on an
Ethernet link with an MTU of 1500, inside the student's own machine. Their
addresses come from the documentation ranges (192.0.2.0/24, RFC 5737;
2001:db8::/32, RFC 3849), and neither namespace has any other interface or
route, so nothing can leave them: a packet to any other address finds no way
out ("Network is unreachable").

Why ``ip`` and not pyroute2: the firewall rule that drops packets needs the
``iptables`` program and the offload settings need ``ethtool``, whatever
builds the namespaces, so the kit runs programs anyway. ``ip`` (iproute2) is
the same kind of program, every step it takes is a command a student can
type (``sudo ip netns add ...``), and it needs no Python package on Binder,
where there is no root and so no namespace. Every command has a timeout.

Running code on a host: a thread enters a namespace with ``setns``, which
moves only that thread; every socket it creates belongs to that namespace for
good, whichever thread uses it later. So ``host.socket()`` creates a socket
on the host in a short-lived thread and hands it back: the lesson's socket
code then reads like any other socket code. ``host.call(fn)`` runs any
function there (reading ``/proc/thread-self/net/snmp`` gives that host's own
TCP counters). Programs run through ``ip netns exec``.

Offloads: a veth hands the kernel's 64 KB "super-segments" (TSO/GSO) to its
peer whole, and leaves TCP checksums to a card that does not exist; GRO,
which would merge arriving segments, is off on a veth already, and stays
off. ``ethtool`` turns all four off on both ends (``gro off`` for sure), so
every frame on this link is at most 1514 bytes, each one is what a real card
would put on a wire, checksums included, and a rule that drops a packet
drops one segment, not forty.

Same numbers everywhere: Linux picks the window-scale shift from the largest
receive buffer a socket may reach, which depends on the machine (notebook
03). Each host gets Linux's default TCP buffer sizes, and its route caps the
window at the default maximum (6 MiB, the route's ``window`` metric), so the
handshake carries the same shift, 7, on every machine.

Cleaning up, on every path: namespaces have names (``ip netns list``), and
the name is the registry. Each is called ``sockutil-<pid>.<start>-<label>-<n>-a``
(and ``-b``): the process id and its start time, so two kernels, or a test
and a notebook, never collide, and a name whose process is gone can be
recognised as left over; ``n`` counts the hosts this process has made, so
an old ``TwoHosts`` never names a newer one's namespaces. ``TwoHosts.start()`` first removes namespaces left
by an earlier run under the same label in this process (a cell run twice),
and any left by a process that no longer exists (a kernel that was killed).
``close()`` closes every socket made on the hosts (an open socket would keep
its namespace alive) and deletes both namespaces, which takes the veth pair
and the firewall rules with them; it runs on leaving ``with``, whether by an
error or a KeyboardInterrupt, on a failed ``start()``, and at exit.

Needs Linux and root (CAP_SYS_ADMIN and CAP_NET_ADMIN; CAP_NET_RAW to
capture), and the programs ip, iptables and ethtool: ``unavailable()`` says
which is missing, in one sentence, or returns None.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import itertools
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from .errors import SockutilError

__all__ = [
    "HOSTS", "Host", "HostSpec", "HostsError", "NAME_PREFIX", "TwoHosts",
    "kit_namespaces", "unavailable",
]

#: Every namespace the kit makes starts with this, so ``ip netns list`` shows whose it is.
NAME_PREFIX = "sockutil-"
#: Where ``ip netns`` keeps its named namespaces (a file per name, bind-mounted).
NETNS_DIR = Path("/run/netns")
#: A name: prefix, pid, its start time (clock ticks since boot), the label, a number, the host.
NAME_PATTERN = re.compile(rf"^{re.escape(NAME_PREFIX)}(\d+)\.(\d+)-(.+)-(\d+)-([ab])$")
#: A label becomes part of a file name: keep it to letters, digits, '_' and '-'.
LABEL_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,32}$")

#: Ethernet's MTU: the largest IP packet one frame carries.
MTU = 1500
#: The interface's name on both hosts: each namespace has its own names.
INTERFACE = "eth0"
#: Bounds: one ip/iptables/ethtool command, and one function run on a host.
COMMAND_TIMEOUT = 15.0
CALL_TIMEOUT = 30.0
#: Linux's default TCP buffer sizes (min, default, max), given to both hosts (see the module's docstring).
TCP_RMEM = "4096 131072 6291456"
TCP_WMEM = "4096 16384 4194304"
#: The route's window cap: tcp_rmem's maximum, so the window-scale shift is 7 on every machine.
WINDOW_CAP = 6291456
#: Where the programs live; an ordinary user's PATH often lacks the sbin folders.
SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin", "/usr/bin", "/bin"])
#: Capabilities (bit numbers in /proc/self/status CapEff) and what each is needed for.
NEEDED_CAPABILITIES = {21: "CAP_SYS_ADMIN (to create network namespaces)",
                       12: "CAP_NET_ADMIN (to set up their link)",
                       13: "CAP_NET_RAW (to capture frames)"}
#: The programs the hosts need, and the Debian package that has each.
PROGRAMS = {"ip": "iproute2", "iptables": "iptables", "ethtool": "ethtool"}
#: From <sched.h>: setns() into a network namespace.
CLONE_NEWNET = 0x40000000


class HostsError(SockutilError, OSError):
    """Setting up, using or removing the two hosts failed: the message says which step."""


@dataclass(frozen=True)
class HostSpec:
    """One host's fixed identity: the same on every run, so a notebook prints the same lines."""

    name: str
    ipv4: str
    ipv6: str
    #: Locally administered (02:...), like notebook 03's made-up addresses: no card maker uses them.
    mac: str


HOSTS = (HostSpec("a", "192.0.2.1", "2001:db8::1", "02:00:00:00:00:0a"),
         HostSpec("b", "192.0.2.2", "2001:db8::2", "02:00:00:00:00:0b"))
#: Prefix lengths: one /24 and one /64, the link's only networks.
IPV4_PREFIX, IPV6_PREFIX = 24, 64


def unavailable() -> str | None:
    """Why two hosts cannot be made here, in one sentence; None when they can."""
    if sys.platform != "linux":
        return f"two hosts need Linux's network namespaces, and this system is {sys.platform}"
    effective = _capabilities()
    missing = [what for bit, what in NEEDED_CAPABILITIES.items() if not effective >> bit & 1]
    if missing:
        return "two hosts need root: this process lacks " + ", ".join(missing)
    lacking = [f"{program} (Debian package {package})" for program, package in PROGRAMS.items()
               if shutil.which(program, path=SEARCH_PATH) is None]
    if lacking:
        return "two hosts need the programs " + ", ".join(lacking) + ", which are not installed"
    return None


def _capabilities() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("CapEff:"):
                return int(line.split()[1], 16)
    except OSError:
        pass
    return 0


# --- names: the registry ------------------------------------------------------------------

def _start_time(pid: int) -> str | None:
    """A process's start time (field 22 of /proc/PID/stat), or None if there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]  # fields after the command name, which may hold spaces


def _me() -> str:
    return f"{os.getpid()}.{_start_time(os.getpid())}"


def kit_namespaces() -> list[str]:
    """The names of every namespace the kit has made on this machine and not yet removed."""
    try:
        return sorted(name for name in os.listdir(NETNS_DIR) if NAME_PATTERN.match(name))
    except OSError:
        return []


def _left_over(label: str) -> list[str]:
    """Namespaces to remove before making ``label``'s: an earlier run of it here, or any of a dead process."""
    me, found = _me(), []
    for name in kit_namespaces():
        pid, start, their_label, _, _ = NAME_PATTERN.match(name).groups()
        if f"{pid}.{start}" == me:
            if their_label == label:
                found.append(name)
        elif _start_time(int(pid)) != start:
            found.append(name)
    return found


# --- running things --------------------------------------------------------------------

def _run(argv: list[str], stdin: str | None = None) -> str:
    """Run a program with a timeout; its stdout, or HostsError with its own words."""
    program = shutil.which(argv[0], path=SEARCH_PATH) or argv[0]
    try:
        done = subprocess.run([program, *argv[1:]], input=stdin, capture_output=True, text=True,
                              timeout=COMMAND_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise HostsError(f"`{' '.join(argv)}` failed: {error}") from error
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()
        raise HostsError(f"`{' '.join(argv)}` failed: {said[-1] if said else f'exit status {done.returncode}'}")
    return done.stdout


def _setns(fd: int) -> None:
    if hasattr(os, "setns"):  # Python 3.12 and newer
        os.setns(fd, CLONE_NEWNET)
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        number = ctypes.get_errno()
        raise OSError(number, os.strerror(number))


class Host:
    """One of the two hosts: its identity, and ways to run code and programs on it."""

    def __init__(self, spec: HostSpec, namespace: str, label: str) -> None:
        self.name, self.ipv4, self.ipv6, self.mac = spec.name, spec.ipv4, spec.ipv6, spec.mac
        self.namespace = namespace
        self.interface = INTERFACE
        self._label = label
        self._sockets: weakref.WeakSet[socket.socket] = weakref.WeakSet()

    def __repr__(self) -> str:
        return (f"host {self.name}: {self.interface} {self.mac}, {self.ipv4}/{IPV4_PREFIX}, "
                f"{self.ipv6}/{IPV6_PREFIX}, MTU {MTU}")

    def call(self, function: Callable[..., Any], *args: Any, timeout: float = CALL_TIMEOUT) -> Any:
        """``function(*args)`` run inside this host's namespace, in a thread of its own; its result."""
        outcome: dict[str, Any] = {}

        def inside() -> None:
            try:
                try:
                    fd = os.open(NETNS_DIR / self.namespace, os.O_RDONLY | os.O_CLOEXEC)
                except FileNotFoundError:
                    raise HostsError(f"host {self.name} is gone: its hosts were removed") from None
                try:
                    _setns(fd)
                finally:
                    os.close(fd)
                outcome["value"] = function(*args)
            except BaseException as error:  # noqa: BLE001 - handed to the caller's thread
                outcome["error"] = error

        worker = threading.Thread(target=inside, name=f"sockutil:netns:{self._label}:{self.name}", daemon=True)
        worker.start()
        worker.join(timeout)
        if worker.is_alive():
            raise TimeoutError(f"{getattr(function, '__name__', 'the function')} did not return within "
                               f"{timeout:g} s on host {self.name}")
        if "error" in outcome:
            error = outcome.pop("error")
            raise error
        return outcome.get("value")

    def socket(self, family: int = socket.AF_INET, type: int = socket.SOCK_STREAM, proto: int = 0) -> socket.socket:
        """A new socket on this host (in its namespace), closed with the hosts at the latest."""
        made = self.call(socket.socket, family, type, proto)
        self._sockets.add(made)
        return made

    def counters(self, group: str = "Tcp") -> dict[str, int]:
        """This host's own counters of ``group``: "Tcp" (RetransSegs, OutSegs...) from /proc/net/snmp,
        "TcpExt" (TCPTimeouts, TCPSackRecovery...) from /proc/net/netstat."""
        def read() -> dict[str, int]:
            for table in ("snmp", "netstat"):
                rows = [line.split() for line in Path(f"/proc/thread-self/net/{table}").read_text().splitlines()
                        if line.startswith(f"{group}:")]
                if rows:
                    return dict(zip(rows[0][1:], map(int, rows[1][1:])))
            raise HostsError(f"no counters called {group!r} in /proc/net/snmp or /proc/net/netstat")

        return self.call(read)

    def run(self, *argv: str) -> str:
        """A program run on this host (``ip netns exec``); its output."""
        return _run(["ip", "netns", "exec", self.namespace, *argv])

    def _close_sockets(self) -> None:
        for made in list(self._sockets):
            with contextlib.suppress(OSError):
                made.close()


class TwoHosts:
    """Hosts ``a`` and ``b`` on one Ethernet link (a veth pair, MTU 1500), removed on every path.

    ``with TwoHosts() as hosts:`` makes them and removes them again. Starting
    under a ``label`` that this process already uses removes the earlier ones
    first (a notebook cell run twice); use different labels to have several.
    """

    def __init__(self, label: str = "hosts") -> None:
        if not LABEL_PATTERN.match(label):
            raise ValueError(f"label must be 1-32 letters, digits, '_' or '-', not {label!r}")
        self.label = label
        number = next(_NUMBERS)  # never reused in this process: an old object never names a new one's namespace
        self._names = [f"{NAME_PREFIX}{_me()}-{label}-{number}-{spec.name}" for spec in HOSTS]
        self.a, self.b = (Host(spec, name, label) for spec, name in zip(HOSTS, self._names))
        self._lock = threading.Lock()
        self.running = False

    def __iter__(self) -> Iterator[Host]:
        return iter((self.a, self.b))

    def __repr__(self) -> str:
        return f"TwoHosts({self.label!r}, {'running' if self.running else 'stopped'})"

    def start(self) -> TwoHosts:
        """Make both namespaces and their link; on any failure (or interrupt) remove what was made, then raise."""
        reason = unavailable()
        if reason:
            raise HostsError(reason)
        with self._lock:
            if self.running:
                return self
            try:
                earlier = _LIVE.get(self.label)
                if earlier is not None and earlier is not self:
                    earlier.close()  # closes its sockets too, which would keep its namespaces alive
                for name in _left_over(self.label):
                    _remove(name)
                _LIVE[self.label] = self
                self._build()
                self.running = True
            except BaseException:
                with contextlib.suppress(Exception):  # the first error is the one to see
                    self._teardown()
                raise
        return self

    def _build(self) -> None:
        a, b = self.a, self.b
        for host in (a, b):
            _run(["ip", "netns", "add", host.namespace])
        # Both ends made at once, each straight into its namespace: no moment in the caller's namespace.
        _run(["ip", "-n", a.namespace, "link", "add", INTERFACE, "address", a.mac, "mtu", str(MTU), "type", "veth",
              "peer", "name", INTERFACE, "address", b.mac, "mtu", str(MTU), "netns", b.namespace])
        for host in (a, b):
            host.call(_set_sysctls)
            _run(["ip", "-n", host.namespace, "-batch", "-"], stdin="\n".join([
                "link set lo up",
                f"addr add {host.ipv4}/{IPV4_PREFIX} dev {INTERFACE}",
                f"addr add {host.ipv6}/{IPV6_PREFIX} dev {INTERFACE} nodad",
                f"link set {INTERFACE} up",
            ]) + "\n")
            host.run("ethtool", "-K", INTERFACE, "tso", "off", "gso", "off", "gro", "off", "tx", "off")
            # The link's routes, with the window cap (see the docstring); the link is up, so they replace the kernel's.
            _run(["ip", "-n", host.namespace, "-batch", "-"], stdin="\n".join([
                f"route replace 192.0.2.0/{IPV4_PREFIX} dev {INTERFACE} window {WINDOW_CAP}",
                f"route replace 2001:db8::/{IPV6_PREFIX} dev {INTERFACE} metric 256 window {WINDOW_CAP}",
            ]) + "\n")

    def close(self) -> None:
        """Close the hosts' sockets and delete both namespaces (with the link and rules); safe to call twice."""
        with self._lock:
            self._teardown()

    def _teardown(self) -> None:
        self.running = False
        errors = []
        for host in (self.a, self.b):
            host._close_sockets()
            try:
                _remove(host.namespace)
            except HostsError as error:
                errors.append(error)
        if _LIVE.get(self.label) is self:
            del _LIVE[self.label]
        if errors:
            raise errors[0]

    def __enter__(self) -> TwoHosts:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


def _set_sysctls() -> None:
    """Linux's default TCP buffers on this host (run inside its namespace: /proc/sys/net is per namespace)."""
    Path("/proc/sys/net/ipv4/tcp_rmem").write_text(TCP_RMEM)
    Path("/proc/sys/net/ipv4/tcp_wmem").write_text(TCP_WMEM)
    # No router on this link: do not ask for one (fewer stray IPv6 frames in a capture).
    Path(f"/proc/sys/net/ipv6/conf/{INTERFACE}/router_solicitations").write_text("0")


def _remove(name: str) -> None:
    if (NETNS_DIR / name).exists():
        _run(["ip", "netns", "delete", name])


#: Hosts made by this process and not yet removed, by label: removed at exit.
_LIVE: dict[str, TwoHosts] = globals().get("_LIVE") or {}
#: Numbers for names, kept across importlib.reload like the registry.
_NUMBERS: itertools.count = globals().get("_NUMBERS") or itertools.count(1)


@atexit.register
def _remove_all() -> None:
    for hosts in list(_LIVE.values()):
        with contextlib.suppress(Exception):
            hosts.close()

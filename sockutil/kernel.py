"""The kernel's view of TCP sockets: states, and per-socket counters.

Why: ``listen``, ``accept`` and ``close`` change state inside the kernel
(LISTEN, ESTABLISHED, TIME_WAIT, ...) that a student cannot see from Python.
This module asks the OS through psutil, so the lesson can show it.

Which view: ``psutil.Process().net_connections()`` lists this process's own
sockets and works everywhere without privileges, but it cannot show TIME_WAIT:
a socket in TIME_WAIT has been closed and belongs to no process any more. On
Linux the system-wide view (``psutil.net_connections()``, read from
/proc/net/tcp without root) shows it, so ``tcp_sockets`` uses the system view
there, filtered to the ports you name, and the process view elsewhere (macOS
needs root for the system view).
"""

from __future__ import annotations

import socket
import struct
import sys
import time
from dataclasses import dataclass
from typing import Iterable

__all__ = [
    "SocketState", "tcp_sockets", "connection_states", "WAITING_FOR_ACK",
    "shows_time_wait", "tcp_info", "TCP_INFO_FIELDS",
]


@dataclass(frozen=True, order=True)
class SocketState:
    """One TCP socket as the kernel sees it. ``remote`` is None for a listener."""

    status: str
    local: tuple
    remote: tuple | None
    pid: int | None

    def label(self, names: dict[int, str] | None = None) -> str:
        """``'LISTEN server'`` style text, with ports replaced by ``names`` where given."""
        names = names or {}

        def show(address: tuple | None) -> str:
            if not address:
                return "*"
            return names.get(address[1], "port " + str(address[1]))

        return f"{self.status:<12} {show(self.local)} -> {show(self.remote)}"


def shows_time_wait() -> bool:
    """Whether ``tcp_sockets`` can see sockets in TIME_WAIT on this OS."""
    return sys.platform.startswith("linux")


def tcp_sockets(ports: Iterable[int] | None = None) -> list[SocketState]:
    """TCP sockets whose local or remote port is in ``ports`` (all of this process's if None).

    Sorted by status, then addresses, so the order is the same on every run.
    """
    import psutil  # imported here to keep ``import sockutil`` light

    wanted = set(ports) if ports is not None else None
    if wanted is not None and shows_time_wait():
        connections = psutil.net_connections(kind="tcp")
    else:
        connections = psutil.Process().net_connections(kind="tcp")
    found = []
    for c in connections:
        local = tuple(c.laddr) if c.laddr else ()
        remote = tuple(c.raddr) if c.raddr else None
        if wanted is not None:
            ports_here = {local[1] if local else None, remote[1] if remote else None}
            if not ports_here & wanted:
                continue
        found.append(SocketState(c.status, local, remote, getattr(c, "pid", None)))
    return sorted(found, key=lambda s: (s.status, s.local, s.remote or ()))


#: States in which an end waits for an ACK that is already on its way; they last
#: a moment (Linux may delay an ACK up to about 200 ms, hoping to send it with data).
WAITING_FOR_ACK = frozenset({"SYN_RECV", "FIN_WAIT1", "CLOSING", "LAST_ACK"})


def connection_states(port_names: dict[int, str], settle: bool = True, max_wait: float = 1.0) -> list[str]:
    """Labels of the TCP sockets *between* the ports in ``port_names``, ports shown by name.

    Why: a lesson wants to print the kernel's table after each call, the same
    on every run. So this keeps only sockets whose every end is a named port
    (the table is the whole machine's: an old socket from an earlier run may
    share one port with ours), and shows names instead of the port numbers the
    OS picks anew each run. Each label reads ``'STATE  this end -> other end'``
    (``*`` for a listener's missing other end); the list is sorted and has no
    repeats.

    With ``settle`` (the default), the table is read every 10 ms until two
    readings agree and no end is in one of ``WAITING_FOR_ACK``, for at most
    ``max_wait`` seconds: other programs change the table while it is read, and
    a state waiting for an ACK that is on its way would make the output depend
    on timing. With ``settle=False`` it is read once.
    """

    def read() -> tuple[list[str], bool]:
        rows: set[str] = set()
        settled = True
        for state in tcp_sockets(port_names):
            ends = [state.local] + ([state.remote] if state.remote else [])
            if all(end and end[1] in port_names for end in ends):
                rows.add(state.label(port_names))
                settled = settled and state.status not in WAITING_FOR_ACK
        return sorted(rows), settled

    rows, settled = read()
    if not settle:
        return rows
    deadline = time.monotonic() + max_wait
    while time.monotonic() < deadline:
        time.sleep(0.01)
        again, settled = read()
        if again == rows and settled:
            break
        rows = again
    return rows


#: Offsets of a few fields of Linux's ``struct tcp_info`` (include/uapi/linux/tcp.h),
#: all unsigned 32-bit integers.
TCP_INFO_FIELDS = {
    "snd_mss": 16,
    "rcv_mss": 20,
    "pmtu": 60,
    "advmss": 84,
    "total_retrans": 100,
    "segs_out": 136,
    "segs_in": 140,
    "data_segs_in": 152,
    "data_segs_out": 156,
}


def tcp_info(sock: socket.socket) -> dict[str, int]:
    """This socket's own TCP counters from the kernel (Linux only).

    Unlike host-wide counters, these belong to one connection, so no other
    traffic on the machine disturbs them. Raises ``NotImplementedError``
    elsewhere.
    """
    option = getattr(socket, "TCP_INFO", None)
    if option is None or not sys.platform.startswith("linux"):
        raise NotImplementedError("per-socket TCP_INFO counters are read here only on Linux")
    raw = sock.getsockopt(socket.IPPROTO_TCP, option, 256)
    return {
        name: struct.unpack_from("I", raw, offset)[0]
        for name, offset in TCP_INFO_FIELDS.items()
        if offset + 4 <= len(raw)
    }

"""Has the other end read what we sent? The kernel says, for any process's TCP socket.

Why a module of its own: several checks must send a piece only once the code
under test has taken the one before out of its receive queue. A pause cannot
promise that on a loaded machine: two pieces sent 1 ms apart can arrive
together, and one ``recv`` then gets both, so a reader that takes one
``recv`` for a whole message passes. On Linux the kernel tells, for any
process's socket, the bytes not yet acknowledged and the bytes not yet read;
when both are 0 between two endpoints, the reader has called ``recv`` and got
everything sent so far. It is asked through sock_diag (netlink, as ``ss``
does: one socket looked up by its four values), or, where that is refused,
read from the table ``/proc/net/tcp``. Where neither is there (macOS,
Windows), each piece waits ``FALLBACK_PAUSE`` instead, which catches the
mistake on an idle machine only.
"""

from __future__ import annotations

import socket
import struct
import time
from pathlib import Path
from typing import Callable, Iterable, NamedTuple

__all__ = ["FALLBACK_PAUSE", "LOOK_EVERY", "peer_has_read", "read_between", "send_each_once_read",
           "wait_until_read"]

#: Where neither sock_diag nor the kernel's table of sockets can be read: seconds between two
#: pieces, long against a local program's reaction, short against a check.
FALLBACK_PAUSE = 0.05

#: Seconds between two looks while a piece is unread.
LOOK_EVERY = 0.002

TCP_TABLE = Path("/proc/net/tcp")


def _hex_endpoint(address: tuple) -> str:
    """127.0.0.1:8080 as /proc/net/tcp writes it: ``0100007F:1F90`` (the address in host order)."""
    packed = struct.unpack("=I", socket.inet_aton(address[0]))[0]
    return f"{packed:08X}:{address[1]:04X}"


def peer_has_read(sock: socket.socket) -> bool | None:
    """Has the peer of ``sock`` (a loopback IPv4 connection) read every byte sent on it? None: cannot tell."""
    try:
        return read_between(sock.getsockname(), sock.getpeername())
    except OSError:
        return None


def read_between(sender: tuple, receiver: tuple) -> bool | None:
    """Has the socket at ``receiver`` read every byte its peer at ``sender`` sent? None: cannot tell.

    Both ends are looked up in the kernel, so either may belong to another
    process. Through sock_diag: the receiver has nothing unread, and has
    received all the sender wrote (``tcp_info``'s byte counts), which does
    not wait for the receiver's acknowledgement (delayed up to 200 ms once a
    connection is interactive). Through the table: nothing unread, nothing
    unacknowledged.
    """
    try:
        with _open_diag() as diag:
            sent, got = _ask(diag, sender, receiver), _ask(diag, receiver, sender)
    except _NoDiag:
        return _read_in_table(sender, receiver)
    if sent is None or got is None:
        return None
    if sent.written is not None and got.received is not None:
        return got.unread == 0 and got.received >= sent.written
    return sent.unacknowledged == 0 and got.unread == 0


class _NoDiag(Exception):
    """This system has no sock_diag to ask (not Linux, or netlink refused)."""


class _Queues(NamedTuple):
    unread: int                 # received, not yet read by the program
    unacknowledged: int         # written, not yet acknowledged by the peer
    received: int | None        # bytes received in order (tcp_info), if the kernel said
    written: int | None         # bytes the program wrote: sent once, plus not sent yet (tcp_info)


#: sock_diag, as linux/netlink.h, linux/sock_diag.h, linux/inet_diag.h and linux/tcp.h define it.
NETLINK_SOCK_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20
NLM_F_REQUEST = 1
NLMSG_ERROR = 2
INET_DIAG_INFO = 2
_HEADER = struct.Struct("=IHHII")          # nlmsghdr: length, type, flags, sequence, port id
_REQUEST = struct.Struct("=BBBBI")         # inet_diag_req_v2: family, protocol, ext, pad, states
_QUEUES_AT = _HEADER.size + 4 + 48 + 4     # inet_diag_msg: 4 bytes, the socket id (48), expires
_ATTRIBUTES_AT = _HEADER.size + 72         # after inet_diag_msg
#: tcp_info offsets: bytes_received (u64), notsent_bytes (u32), bytes_sent and bytes_retrans (u64).
_RECEIVED, _NOT_SENT, _SENT, _RETRANSMITTED = 128, 144, 200, 208


def _open_diag() -> socket.socket:
    """A netlink socket to ask sock_diag with; ``_NoDiag`` where there is none.

    Why sock_diag: the kernel looks one socket up by its four values, in
    microseconds, where ``/proc/net/tcp`` lists every socket of the machine
    (about 2000 at the busiest moment of a CI run here), read and parsed in
    Python, holding the GIL, at every look.
    """
    try:
        diag = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_SOCK_DIAG)
    except (OSError, AttributeError) as error:
        raise _NoDiag from error
    diag.settimeout(1.0)
    return diag


def _ask(diag: socket.socket, local: tuple, remote: tuple) -> _Queues | None:
    """The queues of the TCP socket at ``local`` connected to ``remote``; None if there is none (closed)."""
    try:
        sockid = (struct.pack("!HH16s16s", local[1], remote[1], socket.inet_aton(local[0]).ljust(16, b"\0"),
                              socket.inet_aton(remote[0]).ljust(16, b"\0"))
                  + struct.pack("=III", 0, 0xFFFFFFFF, 0xFFFFFFFF))   # any interface, no cookie
        request = _REQUEST.pack(socket.AF_INET, socket.IPPROTO_TCP, 1 << (INET_DIAG_INFO - 1), 0,
                                0xFFFFFFFF) + sockid
        diag.send(_HEADER.pack(_HEADER.size + len(request), SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST, 1, 0)
                  + request)
        answer = diag.recv(65536)
    except (OSError, ValueError) as error:
        raise _NoDiag from error
    length, kind, _, _, _ = _HEADER.unpack_from(answer)
    if kind == NLMSG_ERROR or len(answer) < _ATTRIBUTES_AT:
        return None
    unread, unacknowledged = struct.unpack_from("=II", answer, _QUEUES_AT)
    received = written = None
    at = _ATTRIBUTES_AT
    while at + 4 <= min(length, len(answer)):
        size, kind = struct.unpack_from("=HH", answer, at)
        if size < 4:
            break
        if kind == INET_DIAG_INFO and size - 4 >= _RETRANSMITTED + 8:
            info = at + 4
            received = struct.unpack_from("=Q", answer, info + _RECEIVED)[0]
            not_sent = struct.unpack_from("=I", answer, info + _NOT_SENT)[0]
            sent, retransmitted = struct.unpack_from("=QQ", answer, info + _SENT)
            written = sent - retransmitted + not_sent
        at += (size + 3) & ~3
    return _Queues(unread, unacknowledged, received, written)


def _read_in_table(sender: tuple, receiver: tuple) -> bool | None:
    """``read_between`` from ``/proc/net/tcp``, where sock_diag is refused."""
    try:
        mine, theirs = _hex_endpoint(sender), _hex_endpoint(receiver)
        table = TCP_TABLE.read_text()
    except (OSError, ValueError, struct.error):
        return None
    unsent = unread = None
    for line in table.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 5:
            continue
        tx, rx = (int(part, 16) for part in fields[4].split(":"))
        if (fields[1], fields[2]) == (mine, theirs):
            unsent = tx
        elif (fields[1], fields[2]) == (theirs, mine):
            unread = rx
    if unsent is None or unread is None:
        return None
    return unsent == 0 and unread == 0


def wait_until_read(sock: socket.socket, deadline: float,
                    sleep: Callable[[float], object] = time.sleep) -> bool:
    """Wait until the peer of ``sock`` has read all sent on it, or ``deadline`` (``time.monotonic()``) passes.

    ``sleep(seconds)`` pauses between two looks; a handler passes its
    ``Connection.sleep``, which returns False at once when the server is
    stopping. Returns False only then; True once the peer has read, once the
    deadline has passed (a peer that stopped reading: the caller goes on), or
    after ``FALLBACK_PAUSE`` where the table cannot tell.
    """
    while True:
        read = peer_has_read(sock)
        if read is None:
            return sleep(FALLBACK_PAUSE) is not False
        if read or time.monotonic() >= deadline:
            return True
        if sleep(LOOK_EVERY) is False:
            return False


def send_each_once_read(sock: socket.socket, send: Callable[[bytes], object], pieces: Iterable[bytes],
                        patience: float, pause: float = 0.0,
                        sleep: Callable[[float], object] = time.sleep) -> bool:
    """``send`` each of ``pieces``; each but the first once the peer of ``sock`` has read the one before.

    ``pause`` seconds more pass before each such piece (a case that says
    "10 ms apart" stays true). A peer that stopped reading holds the sending
    at most ``patience`` seconds in all; the rest then goes without waiting.
    ``sleep`` as for ``wait_until_read``: returns False if it said stop (a
    server stopping), with the rest unsent; True once all went.
    """
    deadline = time.monotonic() + patience
    for i, piece in enumerate(pieces):
        if i and not (wait_until_read(sock, deadline, sleep) and (not pause or sleep(pause) is not False)):
            return False
        send(piece)
    return True

"""Whole Ethernet frames as they cross an interface, with the kernel's time of each: a packet capture.

Theory of operation
-------------------
An ``AF_PACKET`` socket (Linux, root: CAP_NET_RAW) bound to one interface
receives a copy of every frame that interface sends or receives, whole: the
Ethernet header, the IP header, the TCP header and the data, the way
tcpdump and Wireshark see them. (On loopback the "Ethernet" header is all
zeros; on a veth it is real.) The copy is taken before the firewall looks at
an arriving packet, so a capture on the receiving host also sees the
segments a rule then drops.

Nothing is lost between ``start()`` and the first read: the socket is bound
on the caller's thread in ``start()``, and frames queue in its buffer from
then on. One daemon thread reads them, each with the kernel's timestamp
(``SO_TIMESTAMPNS``) and its direction (the ``PACKET_OUTGOING`` packet type).
It waits on a ``selectors`` selector together with one end of a socket pair,
so ``stop()`` wakes it at once, without polling; it then reads what is still
queued, and ends. Start and stop are safe from any thread, and twice.

Waiting for a frame: ``wait_for(predicate, timeout)`` returns as soon as the
frames seen so far satisfy ``predicate``; the reading thread notifies a
condition on every frame. This is how a caller knows that an ACK it expects
has crossed the link before it goes on.

``tcp_view(data)`` reads the TCP fields of a frame (IPv4 or IPv6) for the
kit's own bookkeeping, such as that waiting. The lessons read frames with
the student's own parser from notebook 03; this one only runs the machinery.

Bounds: at most ``limit`` frames are kept (later ones are counted in
``overflow``), and each is cut to ``snaplen`` bytes if one is given. The
kernel queues frames for the reader in a 64 MiB buffer (a veth carries a
megabyte in milliseconds, faster than Python reads); frames it could not
queue are counted in ``kernel_dropped``, read when the capture stops, so a
caller can tell a complete capture from one with holes.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import struct
import threading
import time
from dataclasses import dataclass
from typing import Callable, NamedTuple, Sequence

from .netns import Host

__all__ = ["Capture", "Frame", "TcpView", "tcp_view", "ETH_P_ALL"]

#: From <linux/if_ether.h>: every protocol, so ARP and IPv6 show up beside IPv4.
ETH_P_ALL = 0x0003
#: From <asm-generic/socket.h> (the values on x86, ARM and most others): timestamps in nanoseconds,
#: and a receive buffer beyond net.core.rmem_max (root only).
SO_TIMESTAMPNS = SCM_TIMESTAMPNS = 35
SO_RCVBUFFORCE = 33
#: From <linux/if_packet.h>: the socket's counts of frames received and dropped (struct tpacket_stats).
SOL_PACKET, PACKET_STATISTICS = 263, 6
#: Room for the frames that arrive while the reading thread waits for the interpreter: at full speed
#: a veth carries a 1 MB transfer in about 2 ms, far faster than Python reads.
RECEIVE_BUFFER = 64 * 2**20
#: A frame on this link is at most 1514 bytes (MTU 1500 + 14 of header); room for anything larger.
BUFFER = 65536
#: Frames kept at most: a 10 MB transfer is about 7000 data frames and half as many ACKs.
LIMIT = 50_000
#: The reading thread's wait is ended by stop(); this bound only keeps it from waiting forever.
WAIT = 5.0
#: How long stop() waits for the reading thread to finish.
JOIN_TIMEOUT = 10.0

_TIMESPEC = struct.Struct("@ll")  # struct timespec: seconds and nanoseconds, each a C long


@dataclass(frozen=True)
class Frame:
    """One Ethernet frame: when the kernel saw it (seconds), whether this host sent it, and its bytes."""

    time: float
    outgoing: bool
    data: bytes


class Capture:
    """Every frame crossing ``interface`` on ``host``, from ``start()`` to ``stop()``.

    ``with Capture(hosts.a) as capture: ...`` then ``capture.frames``.
    """

    def __init__(self, host: Host, interface: str | None = None, limit: int = LIMIT,
                 snaplen: int | None = None) -> None:
        self.host = host
        self.interface = interface or host.interface
        self.limit, self.snaplen = limit, snaplen
        self.overflow = 0
        #: Frames the kernel could not queue for this capture (its buffer was full): 0 in a complete capture.
        self.kernel_dropped = 0
        self._frames: list[Frame] = []
        self._changed = threading.Condition()
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._wake: tuple[socket.socket, socket.socket] | None = None
        self._thread: threading.Thread | None = None
        self._stopping = False

    @property
    def frames(self) -> list[Frame]:
        """The frames seen so far, in the order the kernel saw them."""
        with self._changed:
            return list(self._frames)

    def start(self) -> Capture:
        with self._lock:
            if self._thread is not None or self._stopping:
                return self
            sock = self.host.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
            try:
                sock.bind((self.interface, 0))
                sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
                sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, RECEIVE_BUFFER)
                sock.setblocking(False)
                self._wake = socket.socketpair()
            except BaseException:
                sock.close()
                raise
            self._sock = sock
            self._thread = threading.Thread(target=self._read_all, daemon=True,
                                            name=f"sockutil:capture:{self.host.name}:{self.interface}")
            self._thread.start()
        return self

    def stop(self) -> list[Frame]:
        """Stop reading (after taking what is already queued); the frames. From any thread, any number of times."""
        with self._lock:
            self._stopping = True
            thread, wake = self._thread, self._wake
        if wake is not None:
            try:
                wake[1].send(b"x")
            except OSError:
                pass  # already closed: the thread has ended
        if thread is not None and thread is not threading.current_thread():
            thread.join(JOIN_TIMEOUT)
        return self.frames

    def wait_for(self, predicate: Callable[[Sequence[Frame]], bool], timeout: float) -> bool:
        """Wait until the frames seen satisfy ``predicate`` (True), or ``timeout`` seconds pass (False)."""
        with self._changed:
            return self._changed.wait_for(lambda: predicate(self._frames), timeout)

    def __enter__(self) -> Capture:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the reading thread
    def _read_all(self) -> None:
        sock, wake = self._sock, self._wake
        assert sock is not None and wake is not None
        selector = selectors.DefaultSelector()
        try:
            selector.register(sock, selectors.EVENT_READ)
            selector.register(wake[0], selectors.EVENT_READ)
            while True:
                ready = {key.fileobj for key, _ in selector.select(WAIT)}
                if not self._read_queued(sock):
                    return  # the socket was closed under us (its hosts were removed)
                if wake[0] in ready or self._stopping:
                    self._read_queued(sock)
                    self._count_kernel_drops(sock)
                    return
        finally:
            selector.close()
            sock.close()
            for end in wake:
                end.close()

    def _count_kernel_drops(self, sock: socket.socket) -> None:
        with contextlib.suppress(OSError):
            _, dropped = struct.unpack("II", sock.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8))
            self.kernel_dropped += dropped

    def _read_queued(self, sock: socket.socket) -> bool:
        """Take every frame queued now; False if the socket can no longer be read."""
        ancillary = socket.CMSG_SPACE(_TIMESPEC.size)
        while True:
            try:
                data, cmsgs, _, address = sock.recvmsg(BUFFER, ancillary)
            except (BlockingIOError, InterruptedError):
                return True
            except OSError:
                return False  # closed, or the interface went away with its namespace
            seen = time.time()
            for level, kind, value in cmsgs:
                if level == socket.SOL_SOCKET and kind == SCM_TIMESTAMPNS and len(value) >= _TIMESPEC.size:
                    seconds, nanoseconds = _TIMESPEC.unpack_from(value)
                    seen = seconds + nanoseconds / 1e9
            frame = Frame(seen, address[2] == socket.PACKET_OUTGOING,
                          data if self.snaplen is None else data[: self.snaplen])
            with self._changed:
                if len(self._frames) < self.limit:
                    self._frames.append(frame)
                else:
                    self.overflow += 1
                self._changed.notify_all()


class TcpView(NamedTuple):
    """The TCP fields of one frame that the kit's own bookkeeping needs (absolute numbers)."""

    source: str
    destination: str
    source_port: int
    destination_port: int
    seq: int
    ack: int
    flags: int
    length: int  # bytes of data


#: TCP flag bits (RFC 9293).
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def tcp_view(data: bytes) -> TcpView | None:
    """The TCP fields of an Ethernet frame holding IPv4 or IPv6 and TCP; None for any other frame."""
    if len(data) < 14:
        return None
    ethertype = int.from_bytes(data[12:14], "big")
    if ethertype == 0x0800 and len(data) >= 34 and data[23] == socket.IPPROTO_TCP:
        header = (data[14] & 0x0F) * 4
        end = 14 + int.from_bytes(data[16:18], "big")
        source, destination = socket.inet_ntoa(data[26:30]), socket.inet_ntoa(data[30:34])
        start = 14 + header
    elif ethertype == 0x86DD and len(data) >= 54 and data[20] == socket.IPPROTO_TCP:
        end = 54 + int.from_bytes(data[18:20], "big")
        source = socket.inet_ntop(socket.AF_INET6, data[22:38])
        destination = socket.inet_ntop(socket.AF_INET6, data[38:54])
        start = 54
    else:
        return None
    if len(data) < start + 20:
        return None
    ports_seq_ack = struct.unpack_from("!HHII", data, start)
    offset = (data[start + 12] >> 4) * 4
    return TcpView(source, destination, *ports_seq_ack, data[start + 13], max(end - start - offset, 0))

"""Experiments between two hosts on a real link: one exchange, a timed transfer, loss by a firewall rule.

Theory of operation
-------------------
The experiments take a ``TwoHosts`` (see ``netns``) and return plain data:

* ``exchange``: one TCP connection from host a to host b (a request, an
  optional reply, both FINs), captured on host a's interface. Each step waits
  until the capture shows the peer's ACK of what was just sent before the next
  one starts, so a delayed ACK can never ride on the next segment: the same
  exchange gives the same frames, in the same order, on every run.
* ``transfer``: ``nbytes`` of seeded random bytes from a to b, timed from the
  end of the handshake to the receiver's end of stream, with the receiver's
  SHA-256 of what arrived, host a's RetransSegs counter before and after, and
  optionally the frames (cut to their headers, as ``tcpdump -s`` does).
* ``Drop``: a firewall rule on a host that drops a random fraction of the
  segments arriving on a port (``tc netem`` would be the usual tool, but
  many kernels, this machine's among them, lack it; iptables' ``statistic``
  match works everywhere iptables does).
* ``sweep``: transfers under a drop rule at each loss rate, several runs each.

Nothing here prints; ``replay.Lab`` runs these on fresh hosts, or replays a
recording of them where there is no root.
"""

from __future__ import annotations

import contextlib
import hashlib
import random
import socket
import threading
import time
from dataclasses import dataclass, field
from statistics import median
from typing import Any, Callable, Sequence

from .capture import ACK, FIN, SYN, Capture, Frame, tcp_view
from .netns import NETNS_DIR, Host, HostsError, TwoHosts

__all__ = ["Drop", "RealPoint", "Transfer", "exchange", "sweep", "transfer"]

#: The ports of the exchange: the client's (chosen, as in notebook 03's frame) and HTTP's.
CLIENT_PORT, SERVER_PORT = 50000, 80
#: The port transfers use (any free port on a fresh host would do).
TRANSFER_PORT = 5001
#: How long one step may wait for the peer's ACK: Linux delays an ACK by 200 ms at most.
STEP_TIMEOUT = 5.0
#: Bound on one transfer: at 30 % loss 1 MB takes a few seconds (timeouts double, up to 120 s each).
TRANSFER_TIMEOUT = 90.0
#: Bytes kept of each frame of a transfer: Ethernet 14 + IPv4 20 + TCP 60 at most, and a little data.
SNAPLEN = 96


# --- experiments ----------------------------------------------------------------------------

def _address(host: Any, family: int) -> str:
    return host.ipv6 if family == socket.AF_INET6 else host.ipv4


def _relative(number: int, start: int) -> int:
    return (number - start) % 2**32


def exchange(hosts: TwoHosts, request: bytes, reply: bytes = b"", family: int = socket.AF_INET,
             client_port: int = CLIENT_PORT, server_port: int = SERVER_PORT) -> list[Frame]:
    """One connection from a to b, step by step; every frame host a's interface saw."""
    a, b = hosts.a, hosts.b
    with Capture(a) as capture:
        with b.socket(family) as listener, a.socket(family) as client:
            listener.settimeout(STEP_TIMEOUT)
            listener.bind((_address(b, family), server_port))
            listener.listen(1)
            client.settimeout(STEP_TIMEOUT)
            client.bind((_address(a, family), client_port))
            client.connect((_address(b, family), server_port))
            conn, _ = listener.accept()
            with conn:
                conn.settimeout(STEP_TIMEOUT)
                ends = {client_port: "client", server_port: "server"}

                def acked(by_client: bool, count: int) -> Callable[[Sequence[Frame]], bool]:
                    """A predicate: this side has ACKed ``count`` sequence numbers of the other side's."""
                    me, other = ("client", "server") if by_client else ("server", "client")

                    def check(frames: Sequence[Frame]) -> bool:
                        isns: dict[str, int] = {}
                        for frame in frames:
                            view = tcp_view(frame.data)
                            if view is None or {view.source_port, view.destination_port} != set(ends):
                                continue
                            side = ends[view.source_port]
                            if view.flags & SYN:
                                isns[side] = view.seq
                            if (side == me and view.flags & ACK and other in isns
                                    and _relative(view.ack, isns[other]) >= count):
                                return True
                        return False
                    return check

                def step(by_client: bool, count: int, what: str) -> None:
                    if not capture.wait_for(acked(by_client, count), STEP_TIMEOUT):
                        raise HostsError(f"the capture never showed the ACK of {what}")

                step(True, 1, "the SYN-ACK")                        # the handshake's third segment
                client.sendall(request)
                step(False, 1 + len(request), "the request")
                _receive_exactly(conn, len(request))
                if reply:
                    conn.sendall(reply)
                    step(True, 1 + len(reply), "the reply")
                    _receive_exactly(client, len(reply))
                client.shutdown(socket.SHUT_WR)
                step(False, 2 + len(request), "the client's FIN")
                if conn.recv(1) != b"":
                    raise HostsError("the server read more than the request")
                conn.shutdown(socket.SHUT_WR)
                step(True, 2 + len(reply), "the server's FIN")
    if capture.kernel_dropped:
        raise HostsError(f"the capture missed {capture.kernel_dropped} frames (its buffer was full)")
    return capture.frames


def _is_fin_from(frame: Frame, port: int) -> bool:
    view = tcp_view(frame.data)
    return view is not None and bool(view.flags & FIN) and view.source_port == port


def _receive_exactly(sock: socket.socket, count: int) -> bytes:
    data = bytearray()
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise HostsError(f"the connection ended after {len(data)} of {count} bytes")
        data += chunk
    return bytes(data)


@dataclass
class Transfer:
    """One transfer from a to b: what was sent and received, how long it took, what was resent."""

    sent: int
    received: int
    exact: bool            # the receiver's SHA-256 equals the sender's
    seconds: float         # from the end of the handshake to the receiver's end of stream
    retransmitted: int     # host a's RetransSegs, after less before
    timeouts: int          # host a's TCPTimeouts, after less before: retransmission timeouts
    probes: int            # host a's TCPLossProbes, after less before: tail-loss probes sent
    frames: list[Frame] = field(default_factory=list)

    @property
    def goodput(self) -> float:
        """Useful bytes per second, in MB/s (10**6 bytes)."""
        return self.received / self.seconds / 1e6 if self.seconds > 0 else 0.0


def transfer(hosts: TwoHosts, nbytes: int, port: int = TRANSFER_PORT, seed: int = 0,
             capture: bool = False) -> Transfer:
    """Send ``nbytes`` of seeded random bytes from a to b over one connection; see ``Transfer``."""
    data = random.Random(seed).randbytes(nbytes)
    arrived: dict[str, Any] = {}
    listener = hosts.b.socket()
    listener.settimeout(TRANSFER_TIMEOUT)
    # The previous transfer's server end may still wait for its last ACK (the rule can drop it): rebind anyway.
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((hosts.b.ipv4, port))
    listener.listen(1)

    def receive() -> None:
        try:
            conn, _ = listener.accept()
            with conn:
                conn.settimeout(TRANSFER_TIMEOUT)
                digest, count, buffer = hashlib.sha256(), 0, bytearray(1 << 16)
                while (size := conn.recv_into(buffer)) > 0:
                    digest.update(buffer[:size])
                    count += size
                arrived.update(count=count, digest=digest.digest(), done=time.perf_counter())
        except OSError as error:
            arrived["error"] = error

    recording = Capture(hosts.a, snaplen=SNAPLEN) if capture else None
    receiver = threading.Thread(target=receive, name="sockutil:twohosts:receiver", daemon=True)
    before = _resends(hosts)
    frames: list[Frame] = []
    try:
        if recording:
            recording.start()
        receiver.start()
        with hosts.a.socket() as client:
            client.settimeout(TRANSFER_TIMEOUT)
            client.connect((hosts.b.ipv4, port))
            started = time.perf_counter()
            client.sendall(data)
            client.shutdown(socket.SHUT_WR)
            receiver.join(TRANSFER_TIMEOUT)
        if receiver.is_alive() or "error" in arrived:
            raise HostsError(f"the transfer of {nbytes} bytes did not finish: "
                             f"{arrived.get('error', f'no end within {TRANSFER_TIMEOUT:g} s')}")
        if recording:  # the receiver's FIN ends the picture: wait until it has crossed the link
            recording.wait_for(lambda seen: any(_is_fin_from(frame, port) for frame in seen), STEP_TIMEOUT)
    finally:
        if receiver.is_alive():
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)  # wakes a thread blocked in accept() (Linux)
            receiver.join(STEP_TIMEOUT)
        listener.close()
        if recording:
            frames = recording.stop()
    if recording and recording.kernel_dropped:
        raise HostsError(f"the capture missed {recording.kernel_dropped} frames (its buffer was full)")
    after = _resends(hosts)
    return Transfer(nbytes, arrived["count"], arrived["digest"] == hashlib.sha256(data).digest(),
                    arrived["done"] - started, *(a - b for a, b in zip(after, before)), frames)


def _resends(hosts: TwoHosts) -> tuple[int, int, int]:
    """Host a's counts of segments resent, of retransmission timeouts, and of tail-loss probes.

    A tail-loss probe (RFC 8985) resends the last segment when its ACK is late,
    after about two round trips, or 200 ms more when it is the only segment
    outstanding (room for the receiver's delayed ACK): so it, too, can cost 200 ms.
    """
    extended = hosts.a.counters("TcpExt")
    return hosts.a.counters("Tcp")["RetransSegs"], extended["TCPTimeouts"], extended["TCPLossProbes"]


class Drop:
    """A firewall rule on the receiving host that drops a random fraction of the segments arriving on a port.

    iptables' ``statistic`` match in ``random`` mode drops each packet with
    probability ``probability``, independently. The rule sits in the INPUT
    chain of the receiving host, so a dropped segment has crossed the link
    and reached the host (a capture on the link sees it) but never reaches
    TCP. SYNs are spared: a lost SYN waits a whole second for its retry,
    which would hide what the data segments show.
    """

    def __init__(self, host: Host, probability: float, port: int) -> None:
        if not 0.0 <= probability <= 1.0:
            raise ValueError(f"probability must be between 0 and 1, not {probability!r}")
        self.host, self.probability, self.port = host, probability, port
        self.rule = ["INPUT", "-p", "tcp", "--dport", str(port), "!", "--syn",
                     "-m", "statistic", "--mode", "random", "--probability", f"{probability:.6f}", "-j", "DROP"]
        self._added = False

    def add(self) -> Drop:
        self.host.run("iptables", "-w", "5", "-A", *self.rule)
        self._added = True
        return self

    def remove(self) -> None:
        """Remove the rule (nothing to do once the host itself is gone: its rules went with it)."""
        if self._added:
            self._added = False
            if (NETNS_DIR / self.host.namespace).exists():
                self.host.run("iptables", "-w", "5", "-D", *self.rule)

    def dropped(self) -> int:
        """How many packets the rule has dropped so far (its packet counter)."""
        listing = self.host.run("iptables", "-w", "5", "-L", "INPUT", "-n", "-v", "-x")
        for line in listing.splitlines():
            words = line.split()
            if len(words) > 3 and words[2] == "DROP" and f"dpt:{self.port}" in words:
                return int(words[0])
        raise HostsError(f"no drop rule for port {self.port} on host {self.host.name}")

    def __enter__(self) -> Drop:
        return self.add() if not self._added else self

    def __exit__(self, *exc: object) -> None:
        self.remove()


@dataclass
class RealPoint:
    """All the runs at one loss rate."""

    loss: float
    goodputs: list[float]        # MB/s, one per run
    retransmissions: list[int]
    timeouts: list[int]          # retransmission timeouts, one count per run
    probes: list[int]            # tail-loss probes, one count per run
    seconds: list[float]         # how long each run took
    dropped: list[int]           # by the rule, one per run
    exact: bool                  # every run delivered exactly its bytes

    @property
    def median_goodput(self) -> float:
        return median(self.goodputs)

    @property
    def mean_retransmissions(self) -> float:
        return sum(self.retransmissions) / len(self.retransmissions)


def sweep(hosts: TwoHosts, nbytes: int, losses: Sequence[float], runs: int,
          port: int = TRANSFER_PORT) -> list[RealPoint]:
    """``runs`` transfers of ``nbytes`` at each loss rate, with host b dropping that fraction of a's segments."""
    points = []
    for loss in losses:
        goodputs, resent, timeouts, probes, seconds, dropped, exact = [], [], [], [], [], [], True
        with Drop(hosts.b, loss, port) as rule:
            for run in range(runs):
                before = rule.dropped()
                done = transfer(hosts, nbytes, port, seed=run)
                goodputs.append(done.goodput)
                resent.append(done.retransmitted)
                timeouts.append(done.timeouts)
                probes.append(done.probes)
                seconds.append(done.seconds)
                dropped.append(rule.dropped() - before)
                exact = exact and done.exact and done.received == nbytes
        points.append(RealPoint(loss, goodputs, resent, timeouts, probes, seconds, dropped, exact))
    return points

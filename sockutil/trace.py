"""Tracing socket calls: the student's own calls, recorded in order, for printing and plotting.

Why: a sequence diagram of a real exchange (who called ``connect``, when
``accept`` returned, which ``send`` fed which ``recv``) teaches more than a
drawn one. ``Trace`` hands out sockets that behave exactly like
``socket.socket`` (every method is the real one) but record the calls that
matter for the lesson: socket, bind, listen, accept, connect, send, sendall,
recv, shutdown, close. The student still writes ``server.accept()``; the trace
only watches.

Addresses are recorded as ``host:port`` text, so a notebook's printed trace
passes through the kit's sanitize file (the OS picks ports anew every run).
Recording is thread-safe; nothing is printed from any thread.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Call", "Trace", "TracedSocket", "format_address"]

#: Calls recorded by a traced socket; every other attribute is passed through untouched.
TRACED = ("bind", "listen", "accept", "connect", "send", "sendall", "recv", "shutdown", "close")


def format_address(address: Any) -> str:
    """``('127.0.0.1', 5000)`` -> ``'127.0.0.1:5000'``; ``('::1', 5000, 0, 0)`` -> ``'[::1]:5000'``."""
    if isinstance(address, tuple) and len(address) >= 2:
        host, port = address[0], address[1]
        return f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"
    return repr(address)


def _preview(data: bytes, limit: int = 24) -> str:
    shown = repr(bytes(data[:limit]))
    return shown + ("..." if len(data) > limit else "")


@dataclass(frozen=True)
class Call:
    """One recorded call. ``str(call)`` leaves out times, so it prints the same every run."""

    seq: int
    actor: str
    name: str
    args: str = ""
    result: str = ""
    nbytes: int = 0
    error: str | None = None
    local: str | None = None  # the socket's own address when the call ended
    remote: str | None = None  # its peer's address, once connected
    t_ns: int = field(default=0, compare=False)

    def __str__(self) -> str:
        text = f"#{self.seq} {self.actor}: {self.name}({self.args})"
        if self.error:
            return f"{text} raised {self.error}"
        return f"{text} -> {self.result}" if self.result else text


class Trace:
    """A record of socket calls made through the sockets it hands out."""

    def __init__(self) -> None:
        self._calls: list[Call] = []
        self._lock = threading.Lock()
        self._t0 = time.perf_counter_ns()

    def socket(
        self,
        actor: str,
        family: int = socket.AF_INET,
        type: int = socket.SOCK_STREAM,
    ) -> TracedSocket:
        """Create a real socket for ``actor`` (e.g. ``"server"``) and record the SOCKET call."""
        sock = TracedSocket(socket.socket(family, type), actor, self)
        kind = "SOCK_STREAM" if type == socket.SOCK_STREAM else "SOCK_DGRAM"
        fam = "AF_INET6" if family == socket.AF_INET6 else "AF_INET"
        self._record(sock, "socket", f"{fam}, {kind}", "a new socket")
        return sock

    def wrap(self, sock: socket.socket, actor: str) -> TracedSocket:
        """Trace an existing socket (one made by ``socket.create_connection``, say)."""
        return TracedSocket(sock, actor, self)

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def __str__(self) -> str:
        return "\n".join(str(call) for call in self.calls)

    def _record(self, sock: TracedSocket, name: str, args: str, result: str = "",
                nbytes: int = 0, error: BaseException | None = None,
                peer: str | None = None) -> None:
        local = remote = None
        raw = sock._sock
        if raw.fileno() >= 0:
            try:
                local = format_address(raw.getsockname())
            except OSError:
                pass
            try:
                remote = format_address(raw.getpeername())
            except OSError:
                # Still open but no longer connected (after a reset, or once
                # the peer's FIN has arrived on some systems): keep the peer
                # we knew, so the call can still be paired with its peer's.
                remote = sock._last_remote
        else:
            local, remote = sock._last_local, sock._last_remote
        sock._last_local, sock._last_remote = local, remote
        if peer is not None:  # accept(): the peer is that of the new socket
            remote = peer
        with self._lock:
            self._calls.append(
                Call(
                    seq=len(self._calls) + 1,
                    actor=sock.actor,
                    name=name,
                    args=args,
                    result=result,
                    nbytes=nbytes,
                    error=f"{type(error).__name__}" if error else None,
                    local=local,
                    remote=remote,
                    t_ns=time.perf_counter_ns() - self._t0,
                )
            )


class TracedSocket:
    """A real socket whose lesson-relevant calls are recorded in a ``Trace``.

    Any attribute not listed in ``TRACED`` (``settimeout``, ``getsockname``,
    ``setsockopt``, ``fileno``, ...) goes straight to the real socket.
    """

    def __init__(self, sock: socket.socket, actor: str, trace: Trace) -> None:
        self._sock = sock
        self.actor = actor
        self._trace = trace
        self._last_local: str | None = None
        self._last_remote: str | None = None
        self.role = "socket"  # "listening socket" after listen(), "connection" once connected

    @property
    def raw(self) -> socket.socket:
        """The underlying ``socket.socket``."""
        return self._sock

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)

    def __enter__(self) -> TracedSocket:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<TracedSocket {self.actor!r} {self._sock!r}>"

    def _call(self, name: str, args: str, method, *a, describe=None, nbytes_of=None, peer_of=None):
        try:
            result = method(*a)
        except BaseException as error:
            self._trace._record(self, name, args, error=error)
            raise
        text = describe(result) if describe else ""
        nbytes = nbytes_of(result) if nbytes_of else 0
        peer = peer_of(result) if peer_of else None
        self._trace._record(self, name, args, text, nbytes, peer=peer)
        return result

    def bind(self, address: Any) -> None:
        self._call("bind", format_address(address), self._sock.bind, address)

    def listen(self, backlog: int = 5) -> None:
        self._call("listen", str(backlog), self._sock.listen, backlog)
        self.role = "listening socket"

    def accept(self) -> tuple[TracedSocket, Any]:
        def describe(pair):
            return f"new socket for {format_address(pair[1])}"

        conn, address = self._call(
            "accept", "", self._sock.accept, describe=describe,
            peer_of=lambda pair: format_address(pair[1]),
        )
        accepted = TracedSocket(conn, self.actor, self._trace)
        accepted.role = "connection"
        return accepted, address

    def connect(self, address: Any) -> None:
        self._call("connect", format_address(address), self._sock.connect, address)
        self.role = "connection"

    def send(self, data: bytes, flags: int = 0) -> int:
        return self._call(
            "send", _preview(data), self._sock.send, data, flags,
            describe=lambda n: f"{n} bytes taken", nbytes_of=lambda n: n,
        )

    def sendall(self, data: bytes, flags: int = 0) -> None:
        self._call(
            "sendall", _preview(data), self._sock.sendall, data, flags,
            describe=lambda _: f"{len(data)} bytes taken", nbytes_of=lambda _: len(data),
        )

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        def describe(data: bytes) -> str:
            return f"{len(data)} bytes {_preview(data)}" if data else "b'' (the peer closed)"

        return self._call(
            "recv", str(bufsize), self._sock.recv, bufsize, flags,
            describe=describe, nbytes_of=len,
        )

    def shutdown(self, how: int) -> None:
        names = {socket.SHUT_RD: "SHUT_RD", socket.SHUT_WR: "SHUT_WR", socket.SHUT_RDWR: "SHUT_RDWR"}
        self._call("shutdown", names.get(how, str(how)), self._sock.shutdown, how)

    def close(self) -> None:
        if self._sock.fileno() < 0:
            return  # already closed: nothing to record
        # Say which socket closed: a server closes its connection sockets and
        # its listening socket, and both lines would otherwise read the same.
        self._call("close", "", self._sock.close, describe=lambda _: f"the {self.role} is closed")

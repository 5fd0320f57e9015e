"""The kit's command line: run a lesson server in a terminal, and talk to it with nc or curl.

    python -m sockutil serve echo --port 4444       # then: nc 127.0.0.1 4444
    python -m sockutil serve chat --port 4444       # then: nc 127.0.0.1 4444, in two terminals
    python -m sockutil serve http --port 4444       # then: curl http://127.0.0.1:4444/
    python -m sockutil send 127.0.0.1 4444 hello    # prints what comes back
    python -m sockutil resolve localhost

Theory of operation
-------------------
``serve`` prints the server's events as they happen: a terminal is not a
notebook, printing is fine here. But the events are recorded on the server's
own threads, and a write to a full pipe blocks: ``serve ... | less`` paused,
or a parent process that never reads, would stall a handler in the middle of
a ``recv``. So the server's threads only put lines into a bounded queue, and
a printer thread of its own writes them out. When the queue is full, new
lines are counted and dropped, and a line says how many. The printer writes
with ``os.write`` on the file descriptor, holding no lock of Python's own
buffered stdout, and at exit it gets a bounded time to finish: a process whose
output nobody reads still exits.

Ctrl-C (SIGINT), SIGTERM and SIGHUP all mean "stop". Their handler raises
nothing: it writes one byte into a socket pair that the main thread waits on. A signal that comes while the server is starting
therefore cannot leave it half started: the start finishes, then the server
stops, prints "server stopped", and the command exits with status 0. Before
those handlers are installed (while Python imports the kit), ``__main__``
catches the KeyboardInterrupt, so Ctrl-C never ends in a traceback there either.

Messages speak the command line's words (``--port 0``, ``--host``), not the
notebooks' (``port=0``, "this cell"). IPv6 addresses are written in brackets,
``[::1]:4444``, so that the port cannot be mistaken for part of the address.
"""

from __future__ import annotations

import argparse
import errno
import ipaddress
import math
import os
import selectors
import signal
import socket
import sys
import threading
from collections import deque
from typing import TextIO

from .checks.command import add_check_command
from .clients import DEFAULT_TIMEOUT, connect, recv_until_closed
from .errors import NameResolutionError, PortInUseError, PrivilegedPortError, describe_error
from .handlers import HANDLERS
from .names import LOOPBACK, host_port, resolve, unbracket
from .servers import Server

__all__ = ["main", "build_parser", "show_address", "exposure_warning", "host_name", "port_number", "seconds"]

#: Lines waiting for a slow stdout before new ones are dropped: enough to ride
#: out a terminal that pauses (about a megabyte of events), bounded so that a
#: pipe nobody reads cannot grow the process without end.
MAX_QUEUED_LINES = 10_000

#: Seconds the printer gets at exit to write what is queued. A reader that
#: keeps up needs milliseconds; a pipe nobody reads must not keep us alive.
FLUSH_TIMEOUT = 2.0

#: The signals that stop ``serve`` the way Ctrl-C does (SIGHUP: the terminal
#: closed; it does not exist on Windows).
STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


# ---------------------------------------------------------------- arguments
def port_number(text: str, lowest: int = 0) -> int:
    """An argparse type: a TCP port, a whole number from ``lowest`` to 65535."""
    try:
        port = int(text, 10)
    except ValueError:
        port = -1
    if not lowest <= port <= 65535:
        hint = " (0 lets the operating system pick a free port)" if lowest == 0 else ""
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a port: use a whole number from {lowest} to 65535{hint}"
        )
    return port


def host_name(text: str) -> str:
    """An argparse type: an address or a name, IPv6 with or without brackets (``[::1]`` is ``::1``)."""
    try:
        return unbracket(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def seconds(text: str) -> float:
    """An argparse type: a duration in seconds, above 0 and finite."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration: use a number of seconds above 0")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sockutil",
        description="Run a lesson server in a terminal, and talk to it with nc or curl.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser(
        "serve", help="run a ready-made server until Ctrl+C",
        description="Run a ready-made server and print what happens, until Ctrl+C (or --seconds).",
    )
    serve.add_argument("handler", choices=sorted(HANDLERS), help="what the server does")
    serve.add_argument("--host", type=host_name, default=LOOPBACK,
                       help="address to listen on (default: 127.0.0.1, this machine only; "
                            "::1 is IPv6's loopback)")
    serve.add_argument("--port", type=port_number, default=0,
                       help="port to listen on (default: 0, any free port)")
    serve.add_argument("--seconds", type=seconds, default=None, help="stop by itself after this long")
    serve.set_defaults(run=_serve)

    send = commands.add_parser(
        "send", help="send TEXT to a server and print what comes back",
        description="Connect, send TEXT and a newline, close the sending side, and print "
                    "everything the server sends until it closes.",
    )
    send.add_argument("host", type=host_name, help="the server's address or name (IPv6: ::1 or [::1])")
    send.add_argument("port", type=lambda text: port_number(text, lowest=1), help="the server's port")
    send.add_argument("text", help="what to send")
    send.add_argument("--no-newline", action="store_true", help="send TEXT without a newline after it")
    send.add_argument("--timeout", type=seconds, default=DEFAULT_TIMEOUT,
                      help=f"seconds to wait for the server at each step (default: {DEFAULT_TIMEOUT:g})")
    send.set_defaults(run=_send)

    lookup = commands.add_parser("resolve", help="print the addresses a name resolves to")
    lookup.add_argument("name", type=host_name)
    lookup.set_defaults(run=_resolve)
    add_check_command(commands)  # check EXERCISE PROGRAM: sockutil/checks/command.py
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status (argparse exits with 2 on bad arguments)."""
    args = build_parser().parse_args(argv)
    return args.run(args)


# ------------------------------------------------------------------ words
def show_address(host: str, port: int) -> str:
    """``host:port``, with an IPv6 address in brackets: ``[::1]:4444``."""
    return host_port(host, port)


def exposure_warning(host: str) -> str | None:
    """A warning when a server listening on ``host`` can be reached from other machines."""
    try:
        address = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    if address.is_loopback or (mapped is not None and mapped.is_loopback):
        return None
    where = "every network interface" if address.is_unspecified else f"{host}, a network address"
    return (
        f"warning: listening on {where} of this machine: other machines can now connect "
        f"to this server. Use --host 127.0.0.1 to keep it to this machine."
    )


def _try_it(handler: str, host: str, port: int) -> str:
    if ipaddress.ip_address(host.split("%")[0]).is_unspecified:
        host = "::1" if ":" in host else LOOPBACK
    if handler == "http":
        return f"try: curl http://{show_address(host, port)}/   (or open that address in a browser)"
    if handler == "chat":
        return f"try: nc {host} {port}   (in two or more terminals, then type)"
    return f"try: nc {host} {port}"


def _listen_error(error: BaseException, host: str, port: int) -> str:
    """Why ``serve`` could not listen, in the command line's words."""
    where = show_address(host, port)
    if isinstance(error, PortInUseError):
        return (f"{where} is already in use: another program holds it (maybe another "
                f"'python -m sockutil serve'). Stop it, or use --port 0 to let the "
                f"operating system pick a free port.")
    if isinstance(error, PrivilegedPortError):
        return (f"listening on port {port} was refused: on this system ports this low need "
                f"extra privileges. Use --port 1024 or above, or --port 0.")
    if isinstance(error, NameResolutionError):
        return str(error)
    if isinstance(error, OSError) and error.errno == errno.EADDRNOTAVAIL:
        return (f"cannot listen on {host}: it is not an address of this machine. "
                f"Use --host 127.0.0.1, or one of this machine's own addresses.")
    reason = error.strerror if isinstance(error, OSError) and error.strerror else describe_error(error)
    return f"cannot listen on {where}: {reason}"


# ------------------------------------------------------------------ serve
def _serve(args: argparse.Namespace) -> int:
    out = _Printer(sys.stdout)
    with _StopRequests() as stop:
        try:
            if args.host:  # "" means every interface, no name to look up
                resolve(args.host)  # the kit's words for a name that does not resolve
            server = Server(args.handler, port=args.port, host=args.host, name=f"cli-{args.handler}")
            server.log.add_listener(lambda event: out.say(str(event)))
            server.start()
        except (OSError, ValueError) as error:
            out.close(FLUSH_TIMEOUT)
            print(f"error: {_listen_error(error, args.host, args.port)}", file=sys.stderr, flush=True)
            return 1
        try:
            host, port = server.address
            warning = exposure_warning(host)
            if warning:
                print(warning, file=sys.stderr, flush=True)
            out.say(f"{args.handler} server on {show_address(host, port)}; press Ctrl+C to stop")
            out.say(_try_it(args.handler, host, port))
            stop.wait(args.seconds)
        finally:
            server.stop()
            out.close(FLUSH_TIMEOUT)
    return 0


class _StopRequests:
    """Ctrl-C, SIGTERM and SIGHUP turned into one request to stop: a note and a wake-up byte.

    The handler runs on the main thread between two bytecodes, anywhere; so
    it only writes one byte to a non-blocking socket: it never raises, and
    never takes a lock that the interrupted code might hold.
    """

    def __init__(self) -> None:
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_w.setblocking(False)
        self._previous: dict[int, object] = {}

    def __enter__(self) -> _StopRequests:
        for number in STOP_SIGNALS:
            try:
                self._previous[number] = signal.signal(number, self._handle)
            except (ValueError, OSError):  # not the main thread: leave signals alone
                pass
        return self

    def _handle(self, number: int, frame: object) -> None:
        try:
            self._wake_w.send(b"!")
        except OSError:  # the buffer is full of earlier requests: one is enough
            pass

    def wait(self, timeout: float | None) -> None:
        """Return once a stop is requested, or after ``timeout`` seconds (``None``: no limit)."""
        with selectors.DefaultSelector() as selector:
            selector.register(self._wake_r, selectors.EVENT_READ)
            selector.select(timeout)

    def __exit__(self, *exc_info: object) -> None:
        for number, previous in self._previous.items():
            signal.signal(number, previous)  # type: ignore[arg-type]
        self._wake_r.close()
        self._wake_w.close()


class _Printer:
    """Writes lines from a thread of its own, so that a slow or full stdout never holds up the caller."""

    def __init__(self, stream: TextIO, max_queued: int = MAX_QUEUED_LINES) -> None:
        self._stream = stream
        self._encoding = getattr(stream, "encoding", None) or "utf-8"
        try:
            stream.flush()
            self._fd: int | None = stream.fileno()
        except (AttributeError, OSError, ValueError):  # a captured stream: no file descriptor
            self._fd = None
        self._max = max_queued
        self._changed = threading.Condition()
        self._lines: deque[str] = deque()
        self._dropped = 0
        self._closing = False
        self._broken = False
        self._thread = threading.Thread(target=self._run, name="sockutil:cli:printer", daemon=True)
        self._thread.start()

    def say(self, line: str) -> None:
        """Queue one line; never blocks (beyond a lock held for a few list operations)."""
        with self._changed:
            if len(self._lines) >= self._max:
                self._dropped += 1
            else:
                self._lines.append(line + "\n")
            self._changed.notify()

    def close(self, timeout: float) -> bool:
        """Write what is queued, waiting at most ``timeout`` seconds; ``True`` if all was written."""
        with self._changed:
            self._closing = True
            self._changed.notify()
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        while True:
            with self._changed:
                while not (self._lines or self._dropped or self._closing):
                    self._changed.wait(60.0)  # woken by say() and close(); the bound is a safeguard
                batch, dropped = "".join(self._lines), self._dropped
                self._lines.clear()
                self._dropped = 0
                if not batch and not dropped:
                    return  # closing, and everything is written
            if dropped:
                batch += f"({dropped} lines not shown: the output was not read fast enough)\n"
            self._write(batch)

    def _write(self, text: str) -> None:
        if self._broken:
            return
        try:
            if self._fd is None:
                self._stream.write(text)
                self._stream.flush()
                return
            data = memoryview(text.encode(self._encoding, "replace"))
            while data:
                data = data[os.write(self._fd, data) :]
        except (OSError, ValueError):  # the reader went away (EPIPE) or stdout was closed
            self._broken = True


# ------------------------------------------------------------- send, resolve
def _send(args: argparse.Namespace) -> int:
    where = show_address(args.host, args.port)
    try:
        sock = connect(args.port, args.host, args.timeout)
    except ConnectionRefusedError:
        return _fail(f"nothing is listening on {where} (connection refused). Start a server "
                     f"first, for example: python -m sockutil serve echo --port {args.port}")
    except NameResolutionError as error:
        return _fail(str(error))
    except TimeoutError:
        return _fail(f"no answer from {where} within --timeout {args.timeout:g} s")
    except OSError as error:
        return _fail(f"cannot connect to {where}: {error.strerror or describe_error(error)}")
    with sock:
        try:
            # os.fsencode: the very bytes of the argument, as the shell passed them
            sock.sendall(os.fsencode(args.text) + (b"" if args.no_newline else b"\n"))
            sock.shutdown(socket.SHUT_WR)  # nothing more is coming: the server can finish
            received = recv_until_closed(sock)
        except (OSError, ValueError) as error:
            partial = getattr(error, "partial", b"")
            _write_reply(partial)  # what arrived is never lost
            kept = f"; the {len(partial)} bytes that came are printed" if partial else ""
            if isinstance(error, TimeoutError):
                return _fail(f"{where} sent nothing more and did not close within --timeout "
                             f"{args.timeout:g} s{kept}")
            return _fail(f"the exchange with {where} failed: {describe_error(error)}{kept}")
    _write_reply(received)
    return 0


def _write_reply(data: bytes) -> None:
    if not data:
        return
    if not data.endswith(b"\n"):
        data += b"\n"  # so the shell's prompt starts on a line of its own
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(data.decode("utf-8", "replace"))
    else:
        sys.stdout.flush()
        buffer.write(data)
    sys.stdout.flush()


def _resolve(args: argparse.Namespace) -> int:
    try:
        for address in resolve(args.name):
            print(address)
    except NameResolutionError as error:
        return _fail(str(error))
    return 0


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


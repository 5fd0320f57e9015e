"""Self-checks for notebook 04, Addresses and ports.

* ``check_bind_preferred``: the student's ``bind_preferred(port, host)`` must
  bind the port asked for when it is free, fall back to a port the OS picks
  when it is taken (by a listener, or by a socket that is merely bound, which
  a test ``connect`` cannot see), close every socket it gives up on, return a
  socket that is bound but not listening yet (so the kit's ``names.listening_socket``
  cannot stand in for it) and can listen, and fall back on EADDRINUSE *only*: any
  other error must reach the caller.
* ``check_parse_endpoint``: the student's ``parse_endpoint(url)`` must find
  the host and port of a URL, with the scheme's well-known port when the URL
  names none, and refuse URLs that name no usable endpoint.

The classic wrong ``bind_preferred`` catches every ``OSError`` and binds port
0 instead: a port it has no right to becomes some other port, silently. The
check makes a bind fail for that other reason, for real, as root too: see
``privileges``.

Both return their ``Report``; every socket the check creates is closed
before it returns, and the student's are closed too (and counted).

``check_bind_preferred`` counts the sockets each call *made* (``Watch(hold=True)``
holds them, so none is collected before it is counted): a socket left open
while an error is re-raised would otherwise vanish with the traceback; a
fallback that made one socket bound port 0 on the socket whose bind failed;
two sockets for an address this machine does not have mean a fallback on an
error that is not EADDRINUSE, even though the second bind then fails too.
"""

from __future__ import annotations

import contextlib
import errno
import os
import socket
import urllib.parse
from typing import Any, Callable

from ..names import ephemeral_port_range
from . import Hint, Outcome, Report, Watch, always, attempt, describe_error, hung, pick_hint, raised
from .privileges import call_refused, refused_low_port, refusing

__all__ = ["check_bind_preferred", "check_parse_endpoint"]

#: An address from TEST-NET-1 (RFC 5737): documentation only, never on a real machine.
NOT_HERE = "192.0.2.1"

#: Seconds one call may take: a bind answers at once.
TIMEOUT = 2.0

#: Where the check looks for free ports outside the OS's ephemeral range (two,
#: 1000 apart), so that a fallback to "the next port" cannot pass for one the
#: OS picked.
OUTSIDE_RANGE_START = 20000


# -------------------------------------------------------------- bind_preferred
def _bound(sock: Any) -> tuple[str, int] | None:
    try:
        return sock.getsockname()[:2]
    except Exception:  # noqa: BLE001 - not a socket, or closed
        return None


def _is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def _free_port() -> int:
    """A port free right now: the OS's pick, released (the OS picks none a wildcard bind holds)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _free_port_outside_range(low: int, high: int, start: int) -> tuple[socket.socket, int]:
    """A socket bound (not listening) to a port outside the ephemeral range whose next port is free too.

    The next port is free so that "fall back to port + 1" binds, and is then
    told about port 0, not about a port in use. Each process starts its search
    at its own offset, so that checks running side by side rarely meet.
    """
    offset = os.getpid() % 400 * 2
    for port in range(start + offset, start + offset + 200, 2):
        if low - 1 <= port <= high:  # port and port + 1 both outside the range
            continue
        holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            holder.bind(("127.0.0.1", port))
        except OSError:
            holder.close()
            continue
        if _is_free(port + 1):
            return holder, port
        holder.close()
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    holder.bind(("127.0.0.1", 0))
    return holder, holder.getsockname()[1]


def _in_use(outcome: Outcome) -> bool:
    return isinstance(outcome.error, OSError) and outcome.error.errno == errno.EADDRINUSE


def _listening(value: Any) -> bool:
    """Whether ``value`` is a socket that listens already (SO_ACCEPTCONN; False where the OS cannot say)."""
    if not isinstance(value, socket.socket) or value.fileno() == -1 or not hasattr(socket, "SO_ACCEPTCONN"):
        return False
    try:
        return bool(value.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN))
    except OSError:
        return False


def _closed_socket(outcome: Outcome) -> bool:
    return isinstance(outcome.value, socket.socket) and outcome.value.fileno() == -1


def _not_tcp(outcome: Outcome) -> bool:
    return isinstance(outcome.value, socket.socket) and outcome.value.fileno() != -1 \
        and outcome.value.type != socket.SOCK_STREAM


def _elsewhere(outcome: Outcome) -> bool:
    """It returned a socket bound to another address than the host the check gave (127.0.0.1)."""
    address = _bound(outcome.value)
    return address is not None and address[0] != "127.0.0.1"


_RETURN_OPEN = ("return the socket open, bound but not listening: a `with` block around it "
                "closes it when the function returns")
_ONLY_IN_USE = ("only a port in use (errno.EADDRINUSE) is a reason to fall back: re-raise "
                "every other error, after closing the socket")
_TCP = ("make a TCP socket, socket.socket(socket.AF_INET, socket.SOCK_STREAM): UDP has ports of its own, "
        "so a UDP socket never finds a TCP server's port in use, and it cannot listen()")
_HOST = ("bind the host you were given, for the port asked and for port 0 alike: '' or '0.0.0.0' "
         "is every address of the machine")
_REBOUND = ("close the socket whose bind failed and bind a new socket to port 0, as the exercise asks: "
            "your code bound port 0 on the same socket")


def _bind_hints(port_hint: str) -> list[Hint]:
    return [
        Hint(hung, "bind() answers at once: do not accept() or wait for anything"),
        Hint(raised(TypeError), "take (port, host='127.0.0.1') and return a bound socket.socket"),
        Hint(_closed_socket, _RETURN_OPEN),
        Hint(lambda o: o.ok and not isinstance(o.value, socket.socket), "return the socket itself"),
        Hint(_not_tcp, _TCP),
        Hint(lambda o: o.ok and _listening(o.value),
             "return the socket only bound, without calling listen(): the caller calls listen() itself, "
             "after setting any options it needs"),
        Hint(_elsewhere, _HOST),
        Hint(always, port_hint),
    ]


def check_bind_preferred(bind_preferred: Callable[..., socket.socket]) -> Report:
    """Check ``bind_preferred(port, host='127.0.0.1') -> socket`` from notebook 04 on real binds."""
    report = Report("bind_preferred")
    if report.unwritten(bind_preferred):
        return report
    low, high = ephemeral_port_range()
    returned: list[Any] = []
    holders: list[socket.socket] = []
    made_by_call: list[list[socket.socket]] = []   # the student's sockets each call made, open or closed

    def run(*args: Any, call: Callable[..., Any] = bind_preferred) -> Outcome:
        mark = watch.mark()
        outcome = attempt(call, *args, deadline=TIMEOUT, on_hang=watch.wake)
        made_by_call.append(watch.made_since(mark))
        if outcome.ok:
            returned.append(outcome.value)
        return outcome

    def same_tcp(value: Any, expected: tuple[str, int]) -> bool:
        return _bound(value) == expected and not _listening(value) and value.type == socket.SOCK_STREAM

    with Watch(TIMEOUT, hold=True) as watch:
        try:
            # 1. A free port: it must be the one bound.
            wanted = _free_port()
            report.case("a free port is bound as asked", run(wanted, "127.0.0.1"), ("127.0.0.1", wanted),
                        _bind_hints("bind((host, port)) with the port you were given, and return that socket"),
                        same=same_tcp, function="bind_preferred")
            if report.stopped:
                return report

            # 2. Taken ports: by a listener, then by a socket bound but not listening.
            listener, taken = _free_port_outside_range(low, high, OUTSIDE_RANGE_START)
            holders.append(listener)
            listener.listen(1)
            merely_bound, held = _free_port_outside_range(low, high, OUTSIDE_RANGE_START + 1000)
            holders.append(merely_bound)
            fallbacks, dropped, rebound = [], 0, False
            for what, port, in_use_hint in (
                ("a port a server listens on falls back to a port the OS picks", taken,
                 "catch the OSError whose errno is errno.EADDRINUSE, close that socket, and bind "
                 "a new one to port 0"),
                ("a port a socket holds without listening falls back too", held,
                 "a port can be taken by a socket that only bound it: connecting to it is refused, "
                 "yet bind fails. Do not test the port first: bind it, and catch errno.EADDRINUSE"),
            ):
                outcome = run(port, "127.0.0.1")
                address = _bound(outcome.value) if outcome.ok else None
                fallbacks.append(address)
                sockets = made_by_call[-1]
                dropped += sum(s.fileno() != -1 and s is not outcome.value for s in sockets)
                rebound = rebound or (address is not None and address[1] != port and len(sockets) == 1
                                      and sockets[0] is outcome.value)   # port 0 bound on the failed socket
                hints = [
                    Hint(_in_use, in_use_hint),
                    Hint(_not_tcp, _TCP),
                    Hint(_elsewhere, _HOST),
                    Hint(lambda o: _bound(o.value) is not None and not low <= _bound(o.value)[1] <= high,
                         "bind port 0 to let the OS pick a free port: not a number you choose"),
                    *_bind_hints("if the first bind fails with EADDRINUSE, bind a new socket to port 0 "
                                 "and return it"),
                ]
                report.case(what, outcome, None, hints, function="bind_preferred",
                            same=lambda value, _: _bound(value) is not None and _bound(value)[0] == "127.0.0.1"
                            and _bound(value)[1] != port and low <= _bound(value)[1] <= high
                            and not _listening(value))
            if any(fallbacks):  # sockets made are counted, so neither the collector nor a re-bind hides a leak
                report.check(dropped == 0 and not rebound, "the socket whose bind failed was closed",
                             _REBOUND if rebound else
                             f"{dropped} socket(s) were neither returned nor closed: close the socket "
                             "whose bind failed before you make a new one")

            # 3. The socket returned can listen and serve.
            # (Only a socket on loopback is made to listen: nothing from outside may reach a check.)
            usable = next((s for s in reversed(returned) if (_bound(s) or ("",))[0] == "127.0.0.1"), None)
            if usable is not None:
                try:
                    usable.listen(1)
                    with socket.create_connection(usable.getsockname()[:2], timeout=TIMEOUT):
                        conn, _ = usable.accept()
                        conn.close()
                    report.check(True, "the returned socket can listen() and accept a client")
                except OSError as error:
                    report.check(False, f"the returned socket can listen() and accept a client: "
                                        f"{Outcome(error=error).describe()}",
                                 _TCP if usable.type != socket.SOCK_STREAM else _RETURN_OPEN)

            # 4. Other errors are not hidden: a port this process may not bind...
            low_port, real = refused_low_port()
            context = contextlib.nullcontext() if real else refusing(low_port, watch)
            with context:
                outcome = run(low_port, "127.0.0.1", call=call_refused(bind_preferred, low_port, real))
            what = "a low port this process may not bind raises PermissionError"
            if outcome.raised(PermissionError):
                report.check(True, what)
            else:
                report.case(what, outcome, None, [
                    Hint(lambda o: o.ok, f"{_ONLY_IN_USE}. Here bind raised PermissionError: this process "
                                         f"may not bind port {low_port}, and binding another port hides that"),
                    Hint(always, "let the PermissionError of bind() propagate"),
                ], same=lambda *_: False, function="bind_preferred")

            # ... and an address this machine does not have (on a port free everywhere: only the address is wrong).
            free = _free_port()
            outcome = run(free, NOT_HERE)
            sockets = len(made_by_call[-1])
            if outcome.raised(OSError) and not outcome.raised(PermissionError) and sockets > 1:
                report.check(False, f"an address this machine does not have ({NOT_HERE}) raises OSError: "
                                    f"it did, but only after making {sockets} sockets",
                             f"{_ONLY_IN_USE}. Here the port is free but the address is not this machine's, "
                             f"yet your code made a second socket for port 0 (and then raised "
                             f"{describe_error(outcome.error)})")
            elif outcome.raised(OSError) and not outcome.raised(PermissionError):
                report.check(True, f"an address this machine does not have ({NOT_HERE}) raises OSError")
            else:
                report.case(
                    f"an address this machine does not have ({NOT_HERE}) raises OSError", outcome, None,
                    [Hint(lambda o: o.ok and (_bound(o.value) or (None, None))[1] == free, _HOST),
                     Hint(lambda o: o.ok, f"{_ONLY_IN_USE}; and bind the host you were given, also for "
                                          "port 0 (if you do both, this machine lets programs bind "
                                          "addresses it does not have: Linux's net.ipv4.ip_nonlocal_bind = 1)"),
                     Hint(always, "let the OSError of bind() propagate")],
                    same=lambda *_: False, function="bind_preferred",
                )
        finally:
            for sock in [*returned, *holders]:
                with contextlib.suppress(Exception):
                    sock.close()
            leaked = len(watch.left_open())
            watch.close_all()
    if leaked:
        report.check(False, f"every socket was closed: {leaked} of your sockets were left open",
                     "close the socket whenever you do not return it, also when you re-raise")
    return report.finish()


# -------------------------------------------------------------- parse_endpoint
#: (url, expected (host, port), hint if wrong)
ENDPOINTS: tuple[tuple[str, tuple[str, int], str], ...] = (
    ("http://127.0.0.1:4444/", ("127.0.0.1", 4444), "urllib.parse.urlsplit(url) has .hostname and .port"),
    ("http://127.0.0.1/index.html", ("127.0.0.1", 80),
     "no port in the URL: use the scheme's well-known port (names.service_port('http') is 80)"),
    ("https://example.test/search?q=ports", ("example.test", 443),
     "https's well-known port is 443: ask names.service_port(scheme), do not assume 80"),
    ("ssh://git@example.test/course.git", ("example.test", 22),
     "the user before '@' is not part of the host: .hostname leaves it out"),
    ("http://[::1]:8080/", ("::1", 8080), "an IPv6 address sits in brackets; .hostname drops them"),
    ("HTTP://Example.TEST:8000", ("example.test", 8000),
     "host names are case-insensitive: .hostname gives them in lower case"),
    ("http://127.0.0.1:65535/", ("127.0.0.1", 65535),
     "65535 is a port too, the highest: a destination port is 1 to 65535, both included"),
)

#: (url, what is wrong with it, hint)
BAD_ENDPOINTS: tuple[tuple[str, str, str], ...] = (
    ("http://127.0.0.1:99999/", "a port above 65535", "a port has 16 bits: reading .port raises ValueError"),
    ("http://example.test:http/", "a port that is not a number", "reading .port raises ValueError for it"),
    ("http://127.0.0.1:0/", "port 0, never a destination",
     ".port gives 0 here: raise ValueError yourself (a destination port is 1 to 65535)"),
    ("http:///index.html", "no host at all", "check that .hostname is not None (or empty)"),
    ("nosuch://example.test/", "no port and a scheme with no well-known port",
     "names.service_port raises LookupError for an unknown scheme: catch it and raise ValueError instead"),
)


def _endpoint_hints(url: str, expected: tuple[str, int], hint: str) -> list[Hint]:
    def pair(outcome: Outcome) -> tuple | None:
        try:
            return tuple(outcome.value) if outcome.ok else None
        except TypeError:
            return None

    return [
        Hint(lambda o: (pair(o) or (None, None))[1:] == (str(expected[1]),),
             "the port must be an int, not text: .port gives an int"),
        Hint(lambda o: pair(o) is not None and len(pair(o)) != 2, "return a pair: (host, port)"),
        Hint(lambda o: isinstance(o.value, list), _TUPLE),
        Hint(raised(LookupError), "names.service_port raised LookupError here, but this URL is fine: "
                                  "use the port the URL names, or the scheme's well-known one"),
        Hint(lambda o: o.raised(ValueError) and urllib.parse.urlsplit(url).port is None,
             f"this URL names no port, and {urllib.parse.urlsplit(url).scheme}'s well-known one is {expected[1]}: "
             "raise ValueError only when names.service_port(scheme) knows none (a table of your own "
             "misses schemes)"),
        Hint(always, hint),
    ]


_TUPLE = ("return a tuple (host, port), not a list: bind() and connect() take an IPv4 address "
          "only as a tuple (a list raises TypeError)")


def _bad_endpoint_hints(hint: str) -> list[Hint]:
    """Hints for a URL that must raise ValueError, by what happened instead."""
    return [
        Hint(lambda o: o.raised(OSError) and "service" in str(o.error),
             "socket.getservbyname raises OSError, not LookupError, for a service it does not know: "
             "an OSError escaped. Catch it (or ask names.service_port, which raises LookupError) "
             "and raise ValueError"),
        Hint(raised(OSError), "an OSError escaped: raise ValueError for a URL that names no endpoint"),
        Hint(always, hint),
    ]


def check_parse_endpoint(parse_endpoint: Callable[[str], tuple[str, int]]) -> Report:
    """Check ``parse_endpoint(url) -> (host, port)`` from notebook 04 on URLs good and bad."""
    report = Report("parse_endpoint")
    if report.unwritten(parse_endpoint):
        return report
    for url, expected, hint in ENDPOINTS:
        outcome = attempt(parse_endpoint, url, deadline=TIMEOUT)
        report.case(f"{url} → {expected}", outcome, expected, _endpoint_hints(url, expected, hint),
                    same=lambda value, want: isinstance(value, tuple) and value == want
                    and isinstance(value[1], int), function="parse_endpoint")
        if report.stopped:
            return report
    for url, problem, hint in BAD_ENDPOINTS:
        what = f"{url} ({problem})"
        outcome = attempt(parse_endpoint, url, deadline=TIMEOUT)
        if outcome.raised(ValueError):
            report.check(True, f"{what} → ValueError")
        elif outcome.ok:
            report.check(False, f"{what}: {outcome.describe()} instead of raising ValueError", hint)
        else:
            report.check(False, f"{what}: {outcome.describe()}, not ValueError",
                         pick_hint(outcome, _bad_endpoint_hints(hint)))
    return report.finish()

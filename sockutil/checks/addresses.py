"""Self-checks for notebook 04, Addresses and ports.

* ``check_bind_preferred``: the student's ``bind_preferred(port, host)`` must
  bind the port asked for when it is free, fall back to a port the OS picks
  when it is taken, close every socket it gives up on, return a socket that
  can still listen, and not hide other errors (an address this machine does
  not have). The check holds a port itself to make it "taken", so the cases
  are real binds on loopback, not simulations.
* ``check_parse_endpoint``: the student's ``parse_endpoint(url)`` must find
  the host and port of a URL, with the scheme's well-known port when the URL
  names none, and refuse URLs that name no usable endpoint.

Both print one line per case and a verdict, return None, and never show a
traceback for the student's mistake. Every socket the check creates is
closed before it returns.
"""

from __future__ import annotations

import gc
import socket
import warnings
from typing import Any, Callable

from ..names import ephemeral_port_range
from . import Report, default_timeout, describe_error

__all__ = ["check_bind_preferred", "check_parse_endpoint"]

#: An address from TEST-NET-1 (RFC 5737): documentation only, never on a real machine.
NOT_HERE = "192.0.2.1"


_describe = describe_error


def _free_port() -> int:
    """A port that was free a moment ago (the check's own race, accepted: it binds at once)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _unclosed_sockets(call: Callable[[], Any]) -> tuple[Any, BaseException | None, int]:
    """Run ``call``; return its result or error, and how many sockets it dropped unclosed.

    A socket that is garbage-collected while still open emits a ResourceWarning
    (ignored by default); here they are recorded and counted.
    """
    gc.collect()  # earlier garbage is not the student's call's doing
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        try:
            result, error = call(), None
        except Exception as exc:  # noqa: BLE001 - the student's error, reported in words
            result, error = None, exc
            # The traceback holds the student's frames, and with them any socket they
            # dropped: let go of it here, so those sockets are counted (and freed) now.
            seen = exc
            while seen is not None:
                seen.__traceback__ = None
                seen = seen.__context__
        gc.collect()
    dropped = sum(1 for w in caught if issubclass(w.category, ResourceWarning) and "socket" in str(w.message))
    return result, error, dropped


def _bound_port(sock: Any) -> int | None:
    try:
        return sock.getsockname()[1]
    except Exception:  # noqa: BLE001 - not a socket, or closed
        return None


def check_bind_preferred(bind_preferred: Callable[..., socket.socket]) -> None:
    """Check ``bind_preferred(port, host='127.0.0.1') -> socket`` from notebook 04 on real binds."""
    report = Report("bind_preferred")
    low, high = ephemeral_port_range()
    kept: list[Any] = []
    with default_timeout():
        try:
            # 1. A free port: it must be the one bound.
            wanted = _free_port()
            sock, error, _ = _unclosed_sockets(lambda: bind_preferred(wanted, "127.0.0.1"))
            if error is not None:
                report.check(False, f"a free port is bound as asked: raised {_describe(error)}",
                             "create a socket, bind((host, port)) and return the socket")
            else:
                kept.append(sock)
                report.check(_bound_port(sock) == wanted, "a free port is bound as asked",
                             "bind((host, port)) with the port you were given, and return that socket")

            # 2. A taken port: fall back to a port the OS picks, and close the failed socket.
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
                holder.bind(("127.0.0.1", 0))
                holder.listen(1)
                taken = holder.getsockname()[1]
                sock, error, dropped = _unclosed_sockets(lambda: bind_preferred(taken, "127.0.0.1"))
                if error is not None:
                    report.check(False, f"a taken port falls back to another port: raised {_describe(error)}",
                                 "catch the OSError of the first bind (errno EADDRINUSE) and bind port 0 instead")
                    report.check(False, "the fallback port is one the OS picked (no socket was returned)")
                else:
                    kept.append(sock)
                    port = _bound_port(sock)
                    report.check(port is not None and port != taken, "a taken port falls back to another port",
                                 "if the first bind fails, bind a new socket to port 0 and return it")
                    report.check(port is not None and low <= port <= high,
                                 "the fallback port is one the OS picked (in its ephemeral range)",
                                 "bind port 0 to let the OS pick: not a number you choose")
                report.check(dropped == 0, "the socket whose bind failed was closed",
                             "close the socket whose bind failed before you make a new one")

            # 3. The socket returned can listen and serve.
            if kept and _bound_port(kept[-1]) is not None:
                try:
                    server = kept[-1]
                    server.listen(1)
                    with socket.create_connection(server.getsockname()[:2], timeout=5):
                        conn, _ = server.accept()
                        conn.close()
                    report.check(True, "the returned socket can listen() and accept a client")
                except Exception as exc:  # noqa: BLE001
                    report.check(False, f"the returned socket can listen() and accept a client: {_describe(exc)}",
                                 "return the socket bound but open (not closed, not in a with block)")
            else:
                report.check(False, "the returned socket can listen() and accept a client",
                             "return a bound socket.socket")

            # 4. Other errors are not hidden.
            result, error, _ = _unclosed_sockets(lambda: bind_preferred(_free_port(), NOT_HERE))
            if result is not None:
                kept.append(result)
            report.check(isinstance(error, OSError),
                         f"an address this machine does not have ({NOT_HERE}) raises OSError",
                         "only a port in use is a reason to fall back; let other errors propagate "
                         "(if your code does, this machine lets programs bind addresses it does not have: "
                         "Linux's net.ipv4.ip_nonlocal_bind = 1)")
        finally:
            for sock in kept:
                try:
                    sock.close()
                except Exception:  # noqa: BLE001
                    pass
    report.finish()


#: (url, expected (host, port), hint if wrong)
ENDPOINTS: tuple[tuple[str, tuple[str, int], str], ...] = (
    ("http://127.0.0.1:4444/", ("127.0.0.1", 4444), "urllib.parse.urlsplit(url) has .hostname and .port"),
    ("http://127.0.0.1/index.html", ("127.0.0.1", 80),
     "no port in the URL: use the scheme's well-known port (names.service_port('http') is 80)"),
    ("https://example.test/search?q=ports", ("example.test", 443),
     "https's well-known port is 443 (names.service_port('https'))"),
    ("ssh://git@example.test/course.git", ("example.test", 22),
     "the user before '@' is not part of the host: .hostname leaves it out"),
    ("http://[::1]:8080/", ("::1", 8080), "an IPv6 address sits in brackets; .hostname drops them"),
    ("HTTP://Example.TEST:8000", ("example.test", 8000),
     "host names are case-insensitive: .hostname gives them in lower case"),
)

#: (url, what is wrong with it, hint)
BAD_ENDPOINTS: tuple[tuple[str, str, str], ...] = (
    ("http://127.0.0.1:99999/", "a port above 65535", "a port has 16 bits: reading .port raises ValueError"),
    ("http://example.test:http/", "a port that is not a number", "reading .port raises ValueError for it"),
    ("http://127.0.0.1:0/", "port 0, never a destination",
     ".port gives 0 here: raise ValueError yourself (a destination port is 1 to 65535)"),
    ("http:///index.html", "no host at all", "check that .hostname is not None (or empty)"),
    ("nosuch://example.test/", "no port and a scheme with no well-known port",
     "names.service_port raises LookupError for an unknown scheme: raise ValueError instead"),
)


def check_parse_endpoint(parse_endpoint: Callable[[str], tuple[str, int]]) -> None:
    """Check ``parse_endpoint(url) -> (host, port)`` from notebook 04 on URLs good and bad."""
    report = Report("parse_endpoint")
    for url, expected, hint in ENDPOINTS:
        what = f"{url} → {expected}"
        try:
            got = parse_endpoint(url)
        except Exception as error:  # noqa: BLE001
            report.check(False, f"{what}: raised {_describe(error)}", hint)
            continue
        try:
            as_tuple = tuple(got)
        except TypeError:
            as_tuple = None
        if as_tuple == expected and isinstance(as_tuple[1], int):
            report.check(True, what)
        else:
            shown = repr(got)
            extra = "; the port must be an int" if as_tuple and len(as_tuple) == 2 and as_tuple[1] == str(expected[1]) else ""
            report.check(False, f"{what}: got {shown[:60]}", hint + extra)
    for url, problem, hint in BAD_ENDPOINTS:
        what = f"{url} ({problem})"
        try:
            got = parse_endpoint(url)
        except ValueError:
            report.check(True, f"{what} → ValueError")
        except Exception as error:  # noqa: BLE001
            report.check(False, f"{what}: raised {_describe(error)}, not ValueError", hint)
        else:
            report.check(False, f"{what}: returned {got!r:.60} instead of raising ValueError", hint)
    report.finish()

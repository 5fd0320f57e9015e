"""A bind refused for lack of privilege, made real on any machine, as root too: for the checks.

Why: the classic wrong ``bind_preferred`` (notebook 04) catches every
``OSError`` and binds port 0 instead, so a port it has no right to silently
becomes some other port. To fail it, a check needs a bind that fails for a
reason other than "in use", on the port alone, as root too (CI runs as root).

On Linux a port below ``ip_unprivileged_port_start`` needs the capability
CAP_NET_BIND_SERVICE, and capabilities belong to each *thread*: the call runs
in a thread that has dropped that capability from its effective set
(``capset(2)``), so the kernel itself answers EACCES, and nothing else in the
process changes; the thread restores it after the call. Where that is
impossible (no such limit, another OS), ``refusing`` makes ``bind`` of the
student's sockets to that port raise the same error, during that one call.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import socket
import sys
import threading
from typing import Any, Callable, Iterator

from ..names import unprivileged_port_start
from .watch import Watch

__all__ = ["CapabilityError", "call_refused", "refused_low_port", "refusing", "this_thread_without_bind_capability"]

#: Seconds the probe thread may take: one bind answers at once.
PROBE_TIMEOUT = 2.0


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


#: _LINUX_CAPABILITY_VERSION_3 (linux/capability.h): two 32-bit words per set.
_CAP_VERSION_3 = 0x20080522
#: CAP_NET_BIND_SERVICE's bit (linux/capability.h).
_CAP_NET_BIND_SERVICE = 10


class CapabilityError(OSError):
    """The thread's capabilities could not be changed (a subclass, so EPERM is not a PermissionError)."""


@contextlib.contextmanager
def this_thread_without_bind_capability() -> Iterator[None]:
    """Drop CAP_NET_BIND_SERVICE from the calling thread's effective set, and restore it.

    Raises ``CapabilityError`` where that cannot be done (not Linux, no capset, capset refused).
    """
    if not sys.platform.startswith("linux"):
        raise CapabilityError(errno.ENOSYS, "capabilities are Linux's")
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        capget, capset = libc.capget, libc.capset
    except (OSError, AttributeError) as error:
        raise CapabilityError(errno.ENOSYS, "this C library has no capget/capset") from error
    header, data = _CapHeader(_CAP_VERSION_3, 0), (_CapData * 2)()
    if capget(ctypes.byref(header), data) != 0:
        raise CapabilityError(ctypes.get_errno(), "capget failed")
    before = data[0].effective
    data[0].effective = before & ~(1 << _CAP_NET_BIND_SERVICE)
    if capset(ctypes.byref(header), data) != 0:
        raise CapabilityError(ctypes.get_errno(), "capset failed")
    try:
        yield
    finally:
        data[0].effective = before
        capset(ctypes.byref(header), data)


def _refused_in_a_thread(port: int) -> bool:
    """Does the kernel refuse ``port`` (PermissionError) to a thread without the capability?"""
    result: list[bool] = []

    def probe() -> None:
        try:
            with this_thread_without_bind_capability(), socket.socket() as sock:
                sock.bind(("127.0.0.1", port))
            result.append(False)
        except CapabilityError:
            result.append(False)
        except PermissionError:
            result.append(True)
        except Exception:  # noqa: BLE001 - any other outcome: the kernel cannot refuse it here
            result.append(False)

    thread = threading.Thread(target=probe, name="sockutil-check:probe", daemon=True)
    thread.start()
    thread.join(PROBE_TIMEOUT)
    return result == [True]


@contextlib.contextmanager
def refusing(port: int, watch: Watch) -> Iterator[None]:
    """The fallback: bind() of the student's sockets to ``port`` raises PermissionError (EACCES)."""
    original = socket.socket.bind

    def bind(sock: socket.socket, address: Any) -> None:
        if any(sock is mine for mine in watch.sockets()) and address[1] == port:
            raise PermissionError(errno.EACCES, "Permission denied")
        original(sock, address)

    socket.socket.bind = bind  # type: ignore[method-assign]
    try:
        yield
    finally:
        socket.socket.bind = original  # type: ignore[method-assign]


def refused_low_port() -> tuple[int, bool]:
    """A low port and whether the kernel itself refuses it to a thread without the capability.

    Port 80 where it is below the OS's limit (else the port just below it).
    False means the check must refuse the port itself (``refusing``).
    """
    start = unprivileged_port_start()
    port = 80 if start > 80 else max(start - 1, 1)
    return port, start > 1 and _refused_in_a_thread(port)


def call_refused(call: Callable[..., Any], port: int, real: bool) -> Callable[..., Any]:
    """``call``, made in a thread that may not bind ``port`` (when ``real``)."""
    if not real:
        return call

    def without_capability(*args: Any) -> Any:
        with this_thread_without_bind_capability():
            return call(*args)

    return without_capability

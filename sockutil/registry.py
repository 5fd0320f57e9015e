"""Which servers are running, found by name, and one lock per name for replacing them.

Why a registry at all: re-running a notebook cell creates a new ``Server``,
but the old one lives on (its threads hold it), still holding its port. So
servers have names, and starting a server under a name stops the one running
under it first.

Why it is built from threads: the list of live threads
(``threading.enumerate()``) survives ``importlib.reload`` of the server
module, a module-level dict would not. Each server's accept thread is named
``sockutil:<name>:accept`` and carries the server as ``thread.sockutil_server``.

Why a lock per name: "find the old server, stop it, bind, start" is
check-then-act. Two starts under one name at once (a double click on a
panel's button, two threads) would both find nobody and both run. ``claim``
holds one lock per name across the whole sequence, so the second start waits
and then replaces the first. ``stop()`` never takes it: a stop must work from
any thread at any moment, even from a handler of the server being replaced.
The locks live in this module's globals, which ``importlib.reload`` keeps.
"""

from __future__ import annotations

import atexit
import threading
from typing import TYPE_CHECKING, ContextManager

if TYPE_CHECKING:  # pragma: no cover
    from .servers import Server

__all__ = ["THREAD_PREFIX", "claim", "live_servers", "running_servers", "stop_all"]

#: Every thread the servers start has a name beginning with this, so tests and
#: the self-checks can tell the kit's threads from a student's.
THREAD_PREFIX = "sockutil:"

# Kept across importlib.reload (which re-runs this code in the same globals),
# so that a start after a reload still waits for one running before it.
_guard: threading.Lock = globals().get("_guard") or threading.Lock()
_name_locks: dict[str, threading.RLock] = globals().get("_name_locks") or {}


def claim(name: str) -> ContextManager[bool]:
    """The lock for ``name``: held across find -> stop -> bind -> register.

    Re-entrant, so that a start run from inside another start's listener on
    the same thread cannot deadlock.
    """
    with _guard:
        lock = _name_locks.get(name)
        if lock is None:
            lock = _name_locks[name] = threading.RLock()
    return lock


def running_servers(name: str | None = None) -> list[Server]:
    """Servers that are running now, found through their threads (survives module reloads)."""
    return [server for server in live_servers(name) if server.running]


def live_servers(name: str | None = None) -> list[Server]:
    """Servers whose accept thread is alive: running, or still stopping."""
    found: list[Server] = []
    for thread in threading.enumerate():
        server = getattr(thread, "sockutil_server", None)
        if server is None or not thread.name.endswith(":accept"):
            continue
        if (name is None or server.name == name) and server not in found:
            found.append(server)
    return found


def stop_all() -> None:
    """Stop every running server (also run when the kernel or interpreter exits)."""
    for server in running_servers():
        server.stop()


if not globals().get("_registered_at_exit"):
    atexit.register(stop_all)
    _registered_at_exit = True

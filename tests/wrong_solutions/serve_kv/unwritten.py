"""The notebook's stub, not written yet: one line, and no ticks."""

HINT_WORDS = ("write serve_kv() first",)

import socket
import threading

from sockutil.checks.lab import IDLE_TIMEOUT


def serve_kv(listener: socket.socket, stop: threading.Event, idle_timeout: float = IDLE_TIMEOUT) -> None:
    """The key-value service on `listener`, for many clients at once, until `stop` is set."""
    # Your code here. A plan (see the design notes above):
    # - accept in a loop with listener.settimeout(0.1), checking stop.is_set();
    # - a thread per client, one shared dict guarded by a threading.Lock;
    # - per client: sock.settimeout(idle_timeout), a buffer, whole lines only, exact values;
    # - on stop: wake the client threads (sock.shutdown) and return.
    raise NotImplementedError("write serve_kv() first")

"""sockutil: the plumbing of the Network Sockets course kit.

It starts background loopback servers, gives clients timeouts, cuts streams
into messages and shows what the kernel sees, so that each lesson can focus
on the one socket call it teaches. It never hides that call: when a notebook
teaches ``accept()``, the student writes ``accept()``.

This file only hands names on. ``import sockutil`` stays light: matplotlib,
ipywidgets and psutil are imported only by the modules that draw, show
widgets or read the kernel's tables, when those are used.
"""

from .clients import (
    DEFAULT_TIMEOUT,
    connect,
    recv_chunks,
    recv_exactly,
    recv_until_closed,
    request,
    send_and_receive,
)
from .errors import (
    FramingError,
    IncompleteMessageError,
    MalformedFrameError,
    MessageTooLargeError,
    NameResolutionError,
    PeerClosedError,
    PeerResetError,
    PortInUseError,
    PrivilegedPortError,
    ReceiveLimitError,
    ReceiveTimeoutError,
    SockutilError,
    describe_error,
)
from .events import Event, EventLog, summarize
from .framing import (
    LengthPrefixDecoder,
    LineDecoder,
    encode_length_prefixed,
    encode_line,
)
from .handlers import HANDLERS
from .names import (
    LOOPBACK,
    ephemeral_port_range,
    resolve,
    service_name,
    service_port,
    unprivileged_port_start,
)
from .servers import Connection, Server, running_servers, serve, stop_all

#: The kit's release, as pyproject.toml says (tests/test_release.py checks they agree); a course pins the tag v<version>.
__version__ = "2.0.0"

__all__ = [
    "DEFAULT_TIMEOUT",
    "HANDLERS",
    "LOOPBACK",
    "Connection",
    "Event",
    "EventLog",
    "FramingError",
    "IncompleteMessageError",
    "LengthPrefixDecoder",
    "LineDecoder",
    "MalformedFrameError",
    "MessageTooLargeError",
    "NameResolutionError",
    "PeerClosedError",
    "PeerResetError",
    "PortInUseError",
    "PrivilegedPortError",
    "ReceiveLimitError",
    "ReceiveTimeoutError",
    "Server",
    "SockutilError",
    "connect",
    "describe_error",
    "encode_length_prefixed",
    "encode_line",
    "ephemeral_port_range",
    "recv_chunks",
    "recv_exactly",
    "recv_until_closed",
    "request",
    "resolve",
    "running_servers",
    "send_and_receive",
    "serve",
    "service_name",
    "service_port",
    "stop_all",
    "summarize",
    "unprivileged_port_start",
]

"""The kit's own exceptions, with fixed wording.

Why a module of its own: the operating system words the same failure
differently on Linux, macOS and Windows ("Name or service not known",
"nodename nor servname provided", "getaddrinfo failed"). A notebook that
prints the OS's text would print something else on a student's laptop than
in CI. These exceptions carry a message the kit controls, and keep the
original error as ``__cause__`` for anyone who wants the details.

Every class also derives from the built-in exception a student would expect
(``OSError``, ``ValueError``, ``ConnectionError``), so ``except OSError``
still catches them.
"""

from __future__ import annotations

import errno

__all__ = [
    "SockutilError",
    "PortInUseError",
    "NameResolutionError",
    "PeerClosedError",
    "PeerResetError",
    "ReceiveLimitError",
    "FramingError",
    "MessageTooLargeError",
    "MalformedFrameError",
    "IncompleteMessageError",
    "PrivilegedPortError",
    "ReceiveTimeoutError",
    "describe_error",
]


class SockutilError(Exception):
    """Base class of every error the kit raises on purpose."""


class PortInUseError(SockutilError, OSError):
    """Binding failed because another socket already holds the address."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        super().__init__(
            f"the address {where} is already in use: another server (maybe one "
            f"started by an earlier run of this cell, or another program) holds it. "
            f"Stop that server, or pass port=0 to let the operating system pick a free port."
        )


class NameResolutionError(SockutilError, OSError):
    """A hostname did not resolve to any address."""

    def __init__(self, host: str) -> None:
        self.host = host
        super().__init__(
            f"cannot resolve {host!r}: the name has no address (check the spelling, "
            f"or use an IP address such as 127.0.0.1)"
        )


class PeerClosedError(SockutilError, ConnectionError):
    """The peer closed the connection before the expected bytes arrived.

    ``partial`` holds every byte that did arrive, so nothing is lost.
    """

    def __init__(self, expected: int, partial: bytes) -> None:
        self.expected = expected
        self.partial = partial
        super().__init__(
            f"the peer closed the connection after {len(partial)} of {expected} "
            f"expected bytes (the bytes that arrived are in .partial)"
        )


class PeerResetError(SockutilError, ConnectionResetError):
    """The peer reset the connection (its kernel sent RST); ``partial`` holds what arrived first.

    A peer that closes with bytes it never read, or with ``SO_LINGER`` set to
    0, makes its kernel send RST instead of FIN. What it had sent before still
    reaches our receive buffer, and Linux lets us read those bytes before it
    reports the reset (other systems may discard them), so the helpers collect
    them into ``partial`` instead of dropping them with a bare
    ``ConnectionResetError``. It is still a ``ConnectionResetError``, so
    ``except ConnectionResetError`` catches it; the OS's error is ``__cause__``.
    """

    def __init__(self, partial: bytes) -> None:
        self.partial = partial
        super().__init__(
            f"the peer reset the connection after {len(partial)} bytes had arrived "
            f"(they are in .partial)"
        )


class ReceiveLimitError(SockutilError, ValueError):
    """More bytes arrived than the caller allowed (``max_bytes``); ``partial`` holds them.

    The limit protects the notebook from a peer that never stops sending; the
    bytes that did arrive are kept all the same.
    """

    def __init__(self, max_bytes: int, partial: bytes) -> None:
        self.max_bytes = max_bytes
        self.partial = partial
        super().__init__(
            f"more than {max_bytes} bytes arrived before the peer closed (they are in "
            f".partial); raise max_bytes if that is expected"
        )


class FramingError(SockutilError, ValueError):
    """Input that cannot be cut into messages.

    ``messages`` holds the whole messages decoded in the same call before the
    bad input was met, so a caller that catches the error loses none of them.
    """

    def __init__(self, message: str, messages: list[bytes] | None = None) -> None:
        super().__init__(message)
        self.messages: list[bytes] = list(messages or [])


class MessageTooLargeError(FramingError):
    """A message (or its declared length) is over the decoder's maximum."""


class MalformedFrameError(FramingError):
    """Bytes that break the framing rules (for example a message containing its delimiter)."""


class IncompleteMessageError(FramingError):
    """The stream ended in the middle of a message; ``partial`` holds what arrived."""

    def __init__(self, message: str, partial: bytes) -> None:
        super().__init__(message)
        self.partial = partial


class PrivilegedPortError(SockutilError, PermissionError):
    """Binding a low port was refused because this user lacks the privilege."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        super().__init__(
            f"binding port {port} on {host} was refused: on this system ports this low "
            f"need a privilege (on Linux the capability CAP_NET_BIND_SERVICE, which root "
            f"usually has, or a lower net.ipv4.ip_unprivileged_port_start). "
            f"Use a port of 1024 or above, or port=0."
        )


class ReceiveTimeoutError(SockutilError, TimeoutError):
    """Nothing more arrived within the timeout; ``partial`` holds what did arrive."""

    def __init__(self, timeout: float | None, partial: bytes, waiting_for: str) -> None:
        self.timeout = timeout
        self.partial = partial
        super().__init__(
            f"timed out after {timeout} s waiting for {waiting_for}; "
            f"{len(partial)} bytes had arrived (they are in .partial)"
        )


def describe_error(error: BaseException, limit: int = 90) -> str:
    """An exception in words that read the same on every OS.

    Errors from the OS (``ConnectionResetError``, ``TimeoutError``, ...) are
    named only: their text ("[Errno 104] Connection reset by peer") and number
    differ between Linux, macOS and Windows. A plain ``OSError``, whose class
    says nothing, also gets its errno's symbolic name (``OSError (EADDRINUSE)``),
    which is the same on every POSIX system. Other exceptions keep their message,
    cut to ``limit`` characters; names from outside the builtins and the kit
    are qualified by their module (``struct.error``).
    """
    kind = type(error)
    from_kit = kind.__module__.startswith("sockutil")
    if isinstance(error, OSError) and not from_kit:
        code = errno.errorcode.get(error.errno) if kind is OSError and error.errno else None
        return f"{kind.__name__} ({code})" if code else kind.__name__
    name = kind.__name__ if kind.__module__ == "builtins" or from_kit else f"{kind.__module__}.{kind.__name__}"
    text = " ".join(str(error).split())
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f"{name}: {text}" if text else name

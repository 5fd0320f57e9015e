"""The ``chat`` handler: every line a client writes goes to all the other clients.

Start it with ``python -m sockutil serve chat --port 4444``, then run
``nc 127.0.0.1 4444`` in two or more terminals and type: each line appears in
the others as ``c1: your line``. It is the multi-user version of echo, and it
shows what a server with many clients must add: shared state (who is here),
a lock around it, and a rule for a client that stops reading.

Theory of operation
-------------------
The server runs one thread per connection, and every thread runs this
handler. A *room* per server holds its members; a thread that reads a line
sends it to every other member's socket itself. Three rules keep that safe:

* Each member has a lock, held for every send to it, so two lines relayed at
  once by two threads never interleave their bytes on one socket.
* A member leaves the room (under its lock) before its handler returns, and
  only then does the server close its socket: no thread ever sends on a
  socket that is closed, or on a reused file descriptor.
* A send to a member waits at most ``CHAT_SEND_TIMEOUT`` seconds for room
  in its socket's buffers. A client that stops reading fills them; instead
  of holding up everyone who writes after that, the room drops it
  (``shutdown``), and its own thread then ends the connection (recorded as
  "closed": the server closed it).

A line longer than ``MAX_CHAT_LINE`` is not relayed (its writer is told);
a last line without a newline, sent just before the client closes, is. Nothing here prints: the server records a "sent" event for every
relayed line.
"""

from __future__ import annotations

import selectors
import socket
import threading
import weakref
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:  # for type hints only
    from .connection import Connection

__all__ = ["make_chat", "MAX_CHAT_LINE", "CHAT_SEND_TIMEOUT"]

#: Longest line relayed, in bytes without the newline: a chat line, not a
#: file. A longer one is dropped and its writer told so; the chat goes on.
MAX_CHAT_LINE = 4096

#: Seconds a relay may wait for room in a member's socket buffers before that
#: member is dropped. A client that reads never waits; on loopback the
#: buffers hold megabytes, so only a client that stopped reading is hit.
CHAT_SEND_TIMEOUT = 2.0


class _Member:
    """One client in the room, with the lock that orders every send to it."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.lock = threading.Lock()
        self.present = False  # in the room: sends to it are allowed
        self.dropped = False  # the room gave up on it (it stopped reading)


class _Room:
    """The members of one chat server."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._members: list[_Member] = []

    def join(self, member: _Member) -> list[_Member]:
        """Add ``member`` (whose lock the caller holds); return the others here at that moment."""
        with self._lock:
            others = list(self._members)
            self._members.append(member)
            member.present = True
            return others

    def leave(self, member: _Member) -> None:
        """Remove ``member``; after this no thread sends to it."""
        with member.lock:
            member.present = False
        with self._lock:
            if member in self._members:
                self._members.remove(member)

    def others(self, member: _Member) -> list[_Member]:
        with self._lock:
            return [other for other in self._members if other is not member]

    def broadcast(self, sender: _Member, data: bytes, to: list[_Member] | None = None) -> None:
        """Send ``data`` to every member but ``sender``, or to ``to`` (no room lock held while sending)."""
        for other in self.others(sender) if to is None else to:
            with other.lock:
                _deliver(other, data)


def _deliver(member: _Member, data: bytes) -> None:
    """Send to ``member``, whose lock the caller holds; drop it if it cannot take the bytes."""
    if not member.present:
        return
    try:
        # A client that stopped reading has full buffers: its socket never
        # becomes writable, and waiting for it would hold up the writer.
        if not _writable(member.conn.sock, CHAT_SEND_TIMEOUT):
            raise TimeoutError
        member.conn.sendall(data)
    except OSError:  # it stopped reading, or it has gone
        member.present = False
        member.dropped = True
        try:
            member.conn.sock.shutdown(socket.SHUT_RDWR)  # wakes its own thread, which ends it
        except OSError:
            pass


def _writable(sock: socket.socket, timeout: float) -> bool:
    with selectors.DefaultSelector() as selector:
        selector.register(sock, selectors.EVENT_WRITE)
        return bool(selector.select(timeout))


def make_chat() -> Callable[[Connection], None]:
    """A chat handler with its own rooms: one room per server that runs it."""
    rooms: weakref.WeakKeyDictionary[object, _Room] = weakref.WeakKeyDictionary()
    rooms_lock = threading.Lock()

    def chat(conn: Connection) -> None:
        with rooms_lock:
            room = rooms.setdefault(conn.server, _Room())
        me = _Member(conn)
        # Holding our own lock while joining makes the welcome the first line
        # we get: a line relayed by another thread waits for this lock.
        with me.lock:
            others = room.join(me)
            _deliver(me, _welcome(conn.name, len(others)))
        try:
            # Only those who were here: one who came just after us counts us in its welcome.
            room.broadcast(me, f"* {conn.name} joined\n".encode(), to=others)
            _relay_lines(conn, room, me)
        finally:
            room.leave(me)
            room.broadcast(me, f"* {conn.name} left\n".encode())
        if me.dropped:
            conn.peer_closed = False  # the server ended it, not the client

    chat.__doc__ = "Send every line a client writes to all the other clients (as 'c1: line')."
    return chat


def _welcome(name: str, others: int) -> bytes:
    if others == 0:
        company = "nobody else is here yet"
    elif others == 1:
        company = "1 other person is here"
    else:
        company = f"{others} other people are here"
    return f"* welcome, you are {name}; {company}. Type a line and press Enter.\n".encode()


def _relay_lines(conn: Connection, room: _Room, me: _Member) -> None:
    prefix = f"{conn.name}: ".encode()
    buffer = bytearray()
    skipping = False  # inside a line that was too long, until its newline comes
    while me.present and (data := conn.recv(4096)):
        buffer += data
        while (newline := buffer.find(b"\n")) >= 0:
            line = bytes(buffer[:newline])
            del buffer[: newline + 1]
            if skipping:
                skipping = False  # the end of the line that was too long
            elif len(line) > MAX_CHAT_LINE:
                _tell(me, _TOO_LONG)
            else:
                room.broadcast(me, prefix + line + b"\n")
        if len(buffer) > MAX_CHAT_LINE:
            if not skipping:
                _tell(me, _TOO_LONG)
            buffer.clear()
            skipping = True
    if buffer and not skipping:  # a last line without its newline
        room.broadcast(me, prefix + bytes(buffer) + b"\n")


_TOO_LONG = f"* that line was over {MAX_CHAT_LINE} bytes: not sent\n".encode()


def _tell(member: _Member, data: bytes) -> None:
    with member.lock:
        _deliver(member, data)

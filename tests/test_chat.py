"""The chat handler: lines go to every other client, in order, and a client that stops reading holds nobody up."""

from __future__ import annotations

import socket
import threading

import pytest

from sockutil import chat as chat_module
from sockutil import events as ev
from sockutil.clients import connect
from sockutil.servers import Server


class LineClient:
    """A chat client reading whole lines, every wait bounded by the socket's timeout."""

    def __init__(self, port: int, receive_buffer: int | None = None) -> None:
        if receive_buffer is None:
            self.sock = connect(port)
        else:  # set before connect, so the window announced in the handshake is small too
            self.sock = socket.socket()
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
            self.sock.settimeout(5)
            self.sock.connect(("127.0.0.1", port))
        self._buffer = b""

    def line(self) -> bytes:
        while b"\n" not in self._buffer:
            data = self.sock.recv(4096)
            if not data:
                raise EOFError(f"closed; unfinished line {self._buffer!r}")
            self._buffer += data
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line

    def say(self, text: bytes) -> None:
        self.sock.sendall(text)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def room():
    """A chat server and a way to join it; every client is closed at the end."""
    clients: list[LineClient] = []
    with Server("chat") as server:

        def join() -> LineClient:
            client = LineClient(server.port)
            clients.append(client)
            assert client.line().startswith(b"* welcome, you are c")  # now in the room
            return client

        try:
            yield server, join
        finally:
            for client in clients:
                client.close()


def test_a_line_goes_to_every_other_client_and_not_back(room):
    server, join = room
    alice = join()
    bob = join()
    assert alice.line() == b"* c2 joined"
    carol = join()
    assert alice.line() == bob.line() == b"* c3 joined"
    alice.say(b"hi all\n")
    assert bob.line() == carol.line() == b"c1: hi all"
    bob.say(b"hello ")
    bob.say(b"alice\nand carol\n")  # one line in two pieces, two lines in one piece
    assert alice.line() == carol.line() == b"c2: hello alice"
    assert alice.line() == carol.line() == b"c2: and carol"
    carol.say(b"bye")  # the last line, without a newline
    carol.sock.shutdown(socket.SHUT_WR)
    assert alice.line() == bob.line() == b"c3: bye"
    assert alice.line() == bob.line() == b"* c3 left"
    # Nothing came back to the writers: each one's next line is the others' news.
    alice.say(b"still here\n")
    assert bob.line() == b"c1: still here"


def test_a_join_is_announced_only_to_those_who_were_there(room, monkeypatch):
    # Hold c1's announcement until c2 has joined: c2 already counted c1 in its
    # welcome, and must not then be told that c1 joined after it.
    release = threading.Event()
    original = chat_module._Room.broadcast

    def held(self, sender, data, *args, **options):
        if data == b"* c1 joined\n":
            assert release.wait(10)
        return original(self, sender, data, *args, **options)

    monkeypatch.setattr(chat_module._Room, "broadcast", held)
    server, join = room
    alice = join()
    bob = join()  # its welcome said "1 other person is here"
    release.set()
    alice.say(b"first line\n")
    assert bob.line() == b"c1: first line"


def test_the_welcome_counts_who_is_here(room):
    server, join = room
    first = LineClient(server.port)
    try:
        assert first.line() == b"* welcome, you are c1; nobody else is here yet. Type a line and press Enter."
        join()
        second = LineClient(server.port)
        try:
            assert second.line() == b"* welcome, you are c3; 2 other people are here. Type a line and press Enter."
        finally:
            second.close()
    finally:
        first.close()


def test_a_line_too_long_is_refused_and_the_chat_goes_on(room):
    server, join = room
    alice = join()
    bob = join()
    alice.line()  # c2 joined
    too_long = b"x" * (chat_module.MAX_CHAT_LINE + 1)
    alice.say(too_long[:3000])
    alice.say(too_long[3000:] + b"\nok\n")
    assert alice.line() == b"* that line was over 4096 bytes: not sent"
    assert bob.line() == b"c1: ok"
    alice.say(b"y" * chat_module.MAX_CHAT_LINE + b"\n")  # exactly the limit passes
    assert bob.line() == b"c1: " + b"y" * chat_module.MAX_CHAT_LINE


def test_each_server_has_its_own_room():
    with Server("chat", name="chat-a") as a, Server("chat", name="chat-b") as b:
        first, second = LineClient(a.port), LineClient(b.port)
        try:
            assert first.line().endswith(b"nobody else is here yet. Type a line and press Enter.")
            assert second.line().endswith(b"nobody else is here yet. Type a line and press Enter.")
        finally:
            first.close()
            second.close()


def test_a_client_that_stops_reading_is_dropped_instead_of_holding_up_the_others(room, monkeypatch):
    monkeypatch.setattr(chat_module, "CHAT_SEND_TIMEOUT", 1.0)  # a reader is never that late
    server, join = room
    writer = join()
    reader = join()
    writer.line()  # c2 joined
    endings: list[str] = []  # the log keeps only the newest events: watch them as they come
    final = (ev.CLOSED, ev.PEER_CLOSED, ev.IDLE_TIMEOUT, ev.ERROR)
    server.log.add_listener(lambda e: e.conn == "c3" and e.kind in final and endings.append(e.kind))
    sleeper = LineClient(server.port, receive_buffer=4096)  # joins, then never reads
    try:
        writer.line(), reader.line()  # c3 joined
        got: list[bytes] = []

        def read_all() -> None:
            try:
                while (line := reader.line()) != b"c1: after":
                    got.append(line)
                got.append(line)
            except (OSError, EOFError):
                pass

        thread = threading.Thread(target=read_all, name="test-chat-reader")
        thread.start()
        line = b"z" * 4000
        sent = 0
        # The sleeper's buffers (a few MB on loopback) fill; then one relay waits
        # CHAT_SEND_TIMEOUT and the room drops it. Bounded: 100 MB at most.
        while not endings:
            assert sent < 25_000, "the silent client was never dropped"
            writer.say(line + b"\n")
            sent += 1
        writer.say(b"after\n")
        thread.join(30)
        assert not thread.is_alive()
    finally:
        sleeper.close()
    assert endings == [ev.CLOSED]  # the server ended it, not the client
    assert got.count(b"* c3 left") == 1  # told, somewhere among the lines
    got.remove(b"* c3 left")
    assert got == [b"c1: " + line] * sent + [b"c1: after"]  # the reader missed nothing meanwhile

"""The lab check's crowd: many clients at once, on one shared store.

Why two cases. ``many_clients`` connects 8 clients before any of them sends,
and the last to connect goes first: an iterative server, busy with the first,
never answers it; a server with a dict per client answers everyone, but a key
one client stored is ``NOT_FOUND`` for the next.

``contention`` is about the lock. What can a check see of a store shared
without one? In CPython each single dict operation (``store[key] = value``,
``store.get(key)``, ``store.pop(key, None)``) is atomic, and the interpreter
switches threads only at a call, a loop's back edge or a blocking call: a
server built from those single operations behaves correctly, and no test of
its behaviour can fail it. A *sequence* of operations on the store that spans
a blocking call can interleave with another client's, and does, when many
clients work on the same key: a GET that sends ``VALUE <length>`` and then
reads the value again for a second ``sendall``, or a check-then-act across I/O.
Then a reply's length no longer matches its bytes, or a ``del`` meets a key
already gone. So the case runs 8 clients at once, each pipelining a few
hundred SET, GET and DEL commands on one key, for several rounds (each round
interleaves differently); every value stored has a pattern that tells its
length (``value(n)``), so every reply can be checked on its own. A server with
one dict and a lock held around each use of it passes every round.

One mistake hides from those rounds in too many runs: a DEL that tests the
key, replies ``DELETED``, and only then deletes, without the lock. Two DELs
collide only when the interpreter switches threads inside that ``sendall``,
and with the default switch interval (5 ms) it seldom does. So the case
starts with *duels*: one client sets the key, then two clients send ``DEL``
at the same moment, hundreds of times, with the switch interval lowered (a
thread waiting for the interpreter asks for it at once, and the one in
``sendall`` hands it over); exactly one of the two must get ``DELETED``. A
last pipelined round is DEL-heavy (SET, DEL, DEL), for the same mistake.
"""

from __future__ import annotations

import contextlib
import random
import sys
import threading
from typing import Iterator

from .lab_client import REPLY_TIMEOUT, Failed, KVClient, shown
from .server_under_test import wait_for_threads

__all__ = ["CONTENTION", "DEL_ONCE", "SHARE", "WHOLE_BUFFER", "contention", "many_clients", "value"]

#: Clients at once, commands each client pipelines in a round, and rounds at most.
#: Measured here (2 cores, shared): one round caught a server that reads a value twice
#: around a sendall in 94 runs of 100, and 3 rounds in 150 of 150; 4 rounds take about
#: 0.4 s with a right server. Long rounds catch more than many short ones: the clients'
#: commands must overlap at the server.
CROWD = 8
COMMANDS = 1000
ROUNDS = 4

#: Seconds a whole round may take: a few thousand commands on loopback take milliseconds.
ROUND_TIMEOUT = 5.0

#: Duels at most (a SET, then a DEL of that key from two clients at once), and the switch
#: interval (seconds) while they run. Measured here (2 cores, shared) on a server that replies
#: DELETED before it deletes, without the lock: two DELETED came within 400 duels in 498 runs
#: of 500 on CPython 3.11, in 87 of 100 on 3.12 and 86 of 100 on 3.13; with the pipelined rounds after
#: them, the whole case failed it in 300 of 300 runs (3.11), 150 of 150 (3.12), 100 of 100
#: (3.13). 400 duels take about 0.1 s with a right server.
DUELS = 400
SWITCH_INTERVAL = 1e-6

#: Pipelined SET, DEL, DEL triples per client in the DEL-heavy round.
DEL_TRIPLES = 150

SHARE = ("share one dict and a lock between all clients: create them once, in serve_kv, and hold "
         "the lock around every use of the store; read a value once, under the lock (between two "
         "reads another client can change or delete it)")

DEL_ONCE = ("two clients that DEL one key at once must not both get DELETED: look the key up and "
            "delete it in one step, under the lock, before you reply "
            "(with lock: found = store.pop(key, None) is not None)")

WHOLE_BUFFER = ("these commands are short and well formed: MAX_LINE limits one line, not the whole buffer "
                "(one recv() may hold many commands, or a command and its value); measure the line up to "
                "its newline")

CONTENTION = (f"{CROWD} clients at once, each sending {COMMANDS} SET, GET and DEL commands on one "
              f"key: every reply is whole, and every value read is one that was stored; two clients "
              f"deleting one key at once: only one gets DELETED")

_ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "last"]


def value(n: int) -> bytes:
    """The value stored with length ``n``: its bytes tell its length."""
    return bytes([97 + n % 26]) * n


def many_clients(port: int) -> None:
    clients = [KVClient(port) for _ in range(8)]
    try:
        # All eight are connected before any sends; the last to connect goes first.
        for i, c in reversed(list(enumerate(clients))):
            try:
                c.send(b"SET client%d 1\n%d" % (i, i))
                c.expect(b"OK\n")
            except Failed as failure:
                raise Failed(f"the client that connected {_ORDINALS[i]} and sent "
                             f"{_ORDINALS[7 - i]}: {failure}", failure.cause) from None
        for i, c in enumerate(clients):  # one store for everybody
            other = (i + 1) % 8
            c.send(b"GET client%d\n" % other)
            got = c.reply()
            if got != b"VALUE 1\n%d" % other:
                raise Failed(f"GET client{other} from another client gave {shown(got)}: each client "
                             f"seems to have a store of its own", "not_shared")
    finally:
        for c in clients:
            c.close()


@contextlib.contextmanager
def _frequent_switches() -> Iterator[None]:
    """Lower the interpreter's switch interval for the block; restore it on every path."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def _duels(port: int) -> None:
    """A SET, then ``DEL`` from two clients at once, up to ``DUELS`` times: one DELETED each time."""
    with KVClient(port) as a, KVClient(port) as b:
        for c in (a, b):  # both accepted and being served first
            c.send(b"GET warm-up\n")
            c.expect(b"NOT_FOUND\n")
        with _frequent_switches():
            for _ in range(DUELS):
                a.send(b"SET duel 1\nx")
                a.expect(b"OK\n")
                a.send(b"DEL duel\n")
                b.send(b"DEL duel\n")
                got = sorted((a.reply(), b.reply()))
                if got == [b"DELETED\n", b"DELETED\n"]:
                    raise Failed("after one SET, two clients sent DEL of that key at once, and both got "
                                 "DELETED", "deleted_twice")
                if got != [b"DELETED\n", b"NOT_FOUND\n"]:
                    raise Failed(f"after one SET, two clients sent DEL of that key at once: they got "
                                 f"{shown(got[0])} and {shown(got[1])}, not one DELETED and one NOT_FOUND",
                                 "error_reply" if any(r.startswith(b"ERROR") for r in got) else "wrong_reply")


def _del_heavy_batch(rng: random.Random) -> tuple[bytes, list[bytes]]:
    """SET, DEL, DEL on key ``k``, again and again: most DELs find the key another client just set."""
    return b"SET k 1\naDEL k\nDEL k\n" * DEL_TRIPLES, [b"SET", b"DEL", b"DEL"] * DEL_TRIPLES


def _batch(rng: random.Random) -> tuple[bytes, list[bytes]]:
    """A client's pipelined commands on key ``k``, and the command word of each."""
    commands, words = [], []
    for _ in range(COMMANDS):
        draw = rng.random()
        if draw < 0.45:
            n = rng.randint(1, 30)
            commands.append(b"SET k %d\n" % n + value(n))
            words.append(b"SET")
        elif draw < 0.9:
            commands.append(b"GET k\n")
            words.append(b"GET")
        else:
            commands.append(b"DEL k\n")
            words.append(b"DEL")
    return b"".join(commands), words


def _judge(word: bytes, got: bytes) -> str:
    """What is wrong with reply ``got`` to a command ``word``; "" if nothing."""
    if word == b"SET":
        return "" if got == b"OK\n" else f"a SET got {shown(got)}"
    if word == b"DEL":
        return "" if got in (b"DELETED\n", b"NOT_FOUND\n") else f"a DEL got {shown(got)}"
    if got == b"NOT_FOUND\n":
        return ""
    header, _, body = got.partition(b"\n")
    if body == value(len(body)) and header == b"VALUE %d" % len(body):
        return ""
    return f"a GET got {shown(got)}, which no client stored"


def _client(c: KVClient, batch: bytes, words: list[bytes], go: threading.Event,
            problems: list[Failed]) -> None:
    try:
        go.wait(ROUND_TIMEOUT)
        c.send(batch)
        for word in words:
            got = c.reply()
            wrong = _judge(word, got)
            if wrong:
                raise Failed(wrong, "error_reply" if got.startswith(b"ERROR") else "inconsistent")
    except Failed as failure:
        problems.append(failure)
    except OSError as error:  # the client's own socket: say it in words all the same
        problems.append(Failed(f"the client got {type(error).__name__}", "closed_early"))


def contention(port: int) -> None:
    _duels(port)
    rng = random.Random(9)  # the same commands on every run: only the interleaving varies
    for batch in [_batch] * ROUNDS + [_del_heavy_batch]:
        clients = [KVClient(port, timeout=REPLY_TIMEOUT) for _ in range(CROWD)]
        try:
            for c in clients:  # each one accepted and being served before the round starts
                c.send(b"GET warm-up\n")
                c.expect(b"NOT_FOUND\n")
            go = threading.Event()
            problems: list[Failed] = []
            threads = [
                threading.Thread(target=_client, args=(c, *batch(rng), go, problems),
                                 name=f"sockutil-check:kv-crowd-{i}", daemon=True)
                for i, c in enumerate(clients)
            ]
            for thread in threads:
                thread.start()
            go.set()
            wait_for_threads(threads, ROUND_TIMEOUT)
        finally:
            for c in clients:
                c.close()
        if problems:
            raise problems[0]

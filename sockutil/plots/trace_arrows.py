"""What crossed the network between traced socket calls, and how each call is labelled.

Pure bookkeeping over a ``Trace``'s calls (no drawing), shared by the
sequence diagram (``sockutil.plots.sequence``) and its text equivalent
(``sockutil.plots.describe``), so the picture and the words always agree.
"""

from __future__ import annotations

from typing import Sequence

from ..trace import Call

__all__ = ["HANDSHAKE", "message_arrows", "call_label"]

#: The three segments of TCP's handshake, in order, and who sends each.
HANDSHAKE = (("SYN", "client"), ("SYN-ACK", "server"), ("ACK", "client"))

def _port(address: str | None) -> str | None:
    return address.rsplit(":", 1)[1] if address and ":" in address else None


def message_arrows(calls: Sequence[Call]) -> list[tuple[int, int, str]]:
    """Which call fed which: ``(from_seq, to_seq, kind)`` with kind handshake, data or FIN.

    * ``connect`` -> the ``accept`` that returned its connection, or, if the
      trace has no such ``accept``, the ``listen`` of the socket it reached
      (kind ``handshake``: the SYN, SYN-ACK and ACK that ``connect`` waits for;
      the server's kernel answers, not its program);
    * each ``send``/``sendall`` -> every ``recv`` on the peer socket that
      received some of its bytes (matched by byte position in the stream);
    * ``close`` or ``shutdown(SHUT_WR)`` -> the peer's ``recv`` that returned ``b""``.
    """
    arrows: list[tuple[int, int, str]] = []
    ok = [c for c in calls if c.error is None]
    for call in ok:
        if call.name != "connect" or not call.local:
            continue
        accepts = [o for o in ok if o.name == "accept" and o.remote == call.local]
        # A listener bound to 0.0.0.0 records that address: match it by port.
        listens = [o for o in ok if o.name == "listen" and o.seq < call.seq and o.local
                   and (o.local == call.remote or _port(o.local) == _port(call.remote))]
        target = accepts[0] if accepts else listens[-1] if listens else None
        if target is not None:
            arrows.append((call.seq, target.seq, "handshake"))
    # byte positions in each direction of each connection
    sent: dict[tuple[str, str], list[tuple[int, int, int]]] = {}
    position: dict[tuple[str, str], int] = {}
    for call in ok:
        if call.name in ("send", "sendall") and call.local and call.remote:
            key = (call.local, call.remote)
            start = position.get(key, 0)
            sent.setdefault(key, []).append((start, start + call.nbytes, call.seq))
            position[key] = start + call.nbytes
    received: dict[tuple[str, str], int] = {}
    for call in ok:
        if call.name != "recv" or not call.local or not call.remote:
            continue
        key = (call.remote, call.local)  # the sender's (local, remote)
        if call.nbytes:
            start = received.get(key, 0)
            end = start + call.nbytes
            received[key] = end
            for s_start, s_end, seq in sent.get(key, []):
                if s_start < end and start < s_end:
                    arrows.append((seq, call.seq, "data"))
        else:
            closers = [
                c
                for c in ok
                if c.local == call.remote
                and c.remote == call.local
                and (c.name == "close" or (c.name == "shutdown" and c.args in ("SHUT_WR", "SHUT_RDWR")))
                and c.seq < call.seq
            ]
            if closers:
                arrows.append((closers[0].seq, call.seq, "FIN"))
    return arrows


def call_label(call: Call) -> str:
    """What the diagram writes in a call's box: ``recv() → 5 B``, ``sendall(13 B)``, ``connect() ✗ ...``."""
    if call.error:
        return f"{call.name}() ✗ {call.error}"
    if call.name == "recv":
        return f"recv() → {call.nbytes} B" if call.nbytes else "recv() → b''"
    if call.name in ("send", "sendall"):
        return f"{call.name}({call.nbytes} B)"
    return f"{call.name}()"

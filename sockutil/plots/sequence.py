"""Figures for the lessons: what students would rather see than read.

Each function draws from real data (a ``Trace`` of socket calls, the chunks
``recv`` returned, measured times) and returns a matplotlib ``Figure``. The
figure is closed in pyplot before it is returned, so a notebook cell that
ends with the call shows it exactly once.

matplotlib is imported only here (and only when this module is imported), so
``import sockutil`` stays light.
"""

from __future__ import annotations

import math
from typing import Mapping, Protocol, Sequence

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Rectangle

from ..trace import Call, Trace

__all__ = [
    "sequence_diagram",
    "message_arrows",
    "chunk_sizes",
    "chunkings",
    "completion_times",
    "race_panels",
]

CALL_COLOURS = {
    "socket": "#7f7f7f",
    "bind": "#7f7f7f",
    "listen": "#7f7f7f",
    "accept": "#1f77b4",
    "connect": "#1f77b4",
    "send": "#2ca02c",
    "sendall": "#2ca02c",
    "recv": "#d62728",
    "shutdown": "#9467bd",
    "close": "#9467bd",
}


def _finish(fig: Figure) -> Figure:
    fig.tight_layout()
    plt.close(fig)  # shown once, by the cell's result, not again by pyplot
    return fig


#: The three segments of TCP's handshake, in order, and who sends each.
HANDSHAKE = (("SYN", "client"), ("SYN-ACK", "server"), ("ACK", "client"))

#: Rows of extra height a traced handshake takes below its ``connect``: 0.7 of
#: a row per segment, so that the three arrows slope like real segments and
#: their names fit between them.
HANDSHAKE_ROWS = 2.1


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


def sequence_diagram(trace: Trace | Sequence[Call], title: str = "Socket calls, in order") -> Figure:
    """A sequence diagram of real calls: one lane per actor, time flowing down.

    Arrows show what the network carried: the handshake's three segments
    (SYN, SYN-ACK, ACK) below each ``connect``, bytes from each ``send`` to the
    ``recv`` calls that got them, and the end of stream from ``close`` to the
    ``recv`` that returned ``b""``.

    Why the handshake is drawn under ``connect`` and not at ``accept``:
    ``connect`` sends the SYN and returns once the SYN-ACK has come back (its
    kernel sends the ACK); the server's kernel answers by itself and queues
    the connection when the ACK arrives, and ``accept`` only takes it out of
    that queue, maybe much later. A dotted line marks that wait.
    """
    calls = trace.calls if isinstance(trace, Trace) else list(trace)
    actors: list[str] = []
    for call in calls:
        if call.actor not in actors:
            actors.append(call.actor)
    arrows = message_arrows(calls)
    shaken = {start: end for start, end, kind in arrows if kind == "handshake"}
    x_of = {actor: i * 4.0 for i, actor in enumerate(actors)}
    y_of: dict[int, float] = {}
    row = 0.0
    for call in calls:
        y_of[call.seq] = row
        row -= 1 + (HANDSHAKE_ROWS if call.seq in shaken else 0)
    bottom = row + 1  # the last call's row
    height = max(3.0, 0.42 * (1 - bottom) + 1.2)
    fig, ax = plt.subplots(figsize=(3.2 * max(2, len(actors)), height))
    for actor, x in x_of.items():
        ax.plot([x, x], [0.6, bottom - 0.6], color="#bbbbbb", lw=1, zorder=0)
        ax.text(x, 0.9, actor, ha="center", va="bottom", fontsize=11, weight="bold")
    for call in calls:
        x, y = x_of[call.actor], y_of[call.seq]
        label = f"{call.name}()" if not call.error else f"{call.name}() ✗ {call.error}"
        if call.name == "recv" and call.nbytes:
            label = f"recv() → {call.nbytes} B"
        elif call.name == "recv":
            label = "recv() → b''"
        elif call.name in ("send", "sendall"):
            label = f"{call.name}({call.nbytes} B)"
        colour = CALL_COLOURS.get(call.name, "black")
        ax.text(x, y, label, ha="center", va="center", fontsize=9, color=colour,
                bbox=dict(boxstyle="round,pad=0.25", fc="white", ec=colour, lw=0.8))
    by_seq = {call.seq: call for call in calls}
    styles = {"handshake": ("#1f77b4", "-"), "data": ("#2ca02c", "-"), "FIN": ("#9467bd", "--")}

    def arrow(x0: float, y0: float, x1: float, y1: float, kind: str) -> None:
        colour, style = styles[kind]
        ax.add_patch(FancyArrowPatch((x0, y0), (x1, y1), arrowstyle="-|>", mutation_scale=12,
                                     color=colour, linestyle=style, lw=1.1))

    for start, end, kind in arrows:
        a, b = by_seq[start], by_seq[end]
        x0, x1 = x_of[a.actor], x_of[b.actor]
        if x0 == x1:
            continue
        shift = 0.95 if x1 > x0 else -0.95
        if kind == "handshake":
            _draw_handshake(ax, arrow, x0, x1, shift, y_of[start], y_of[end] if b.name == "accept" else None)
        else:
            arrow(x0 + shift, y_of[start], x1 - shift, y_of[end], kind)
    ax.legend(
        handles=[Line2D([], [], color=c, linestyle=ls) for c, ls in styles.values()],
        labels=["handshake: SYN, SYN-ACK, ACK (connect returns once the SYN-ACK is in)",
                "bytes (send → recv)", "end of stream (close → recv b'')"],
        loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=1, fontsize=8, frameon=False,
    )
    ax.set_xlim(-2.2, x_of[actors[-1]] + 2.2 if actors else 2.2)
    ax.set_ylim(bottom - 0.8, 1.5)
    ax.axis("off")
    ax.set_title(title)
    return _finish(fig)


def _draw_handshake(ax, arrow, x_client: float, x_server: float, shift: float,
                    y: float, y_accept: float | None) -> None:
    """SYN, SYN-ACK and ACK below the ``connect`` at row ``y``, half a row each.

    The first arrow leaves the ``connect`` label's edge; the others run lane to
    lane. Where the ACK lands, the connection is queued: a dotted line leads
    down to the ``accept`` that takes it, if the trace has one.
    """
    step = HANDSHAKE_ROWS / len(HANDSHAKE)
    colour = "#1f77b4"
    for index, (name, sender) in enumerate(HANDSHAKE):
        y0, y1 = y - index * step, y - (index + 1) * step
        if sender == "client":
            x0, x1 = (x_client + shift if index == 0 else x_client), x_server
        else:
            x0, x1 = x_server, x_client
        arrow(x0, y0, x1, y1, "handshake")
        ax.text((x0 + x1) / 2, (y0 + y1) / 2 + 0.05, name, fontsize=7, color=colour,
                ha="center", va="bottom")
        if name == "SYN-ACK":  # what connect() waits for
            ax.text(x_client - shift * 0.1, y1, "connect returns", fontsize=7, color=colour,
                    ha="right" if shift > 0 else "left", va="center")  # outside the lanes
    landed = y - HANDSHAKE_ROWS
    ax.text(x_server - shift * 0.1, landed, "queued", fontsize=7, color=colour,
            ha="left" if shift < 0 else "right", va="top")
    if y_accept is not None and y_accept < landed:
        ax.plot([x_server, x_server], [landed, y_accept + 0.3], color=colour, linestyle=":", lw=1.2)


def chunk_sizes(chunks: Sequence[bytes | int], title: str = "What each recv() returned") -> Figure:
    """One bar per ``recv`` call: how many bytes it returned, in order."""
    sizes = [c if isinstance(c, int) else len(c) for c in chunks]
    fig, ax = plt.subplots(figsize=(7, 3))
    ax.bar(range(1, len(sizes) + 1), sizes, color="#d62728")
    ax.set_xlabel("recv() call, in order")
    ax.set_ylabel("bytes returned")
    ax.set_title(f"{title}: {len(sizes)} calls, {sum(sizes)} bytes")
    ax.set_xticks(range(1, len(sizes) + 1) if len(sizes) <= 30 else ax.get_xticks())
    return _finish(fig)


def chunkings(rows: Mapping[str, Sequence[bytes | int]], title: str = "The same bytes, cut differently") -> Figure:
    """Each row a stream of the same bytes, drawn as segments as long as each chunk."""
    fig, ax = plt.subplots(figsize=(8, 0.7 * len(rows) + 1.2))
    for i, (label, chunks) in enumerate(rows.items()):
        start = 0
        for j, chunk in enumerate(chunks):
            size = chunk if isinstance(chunk, int) else len(chunk)
            ax.add_patch(Rectangle((start, -i - 0.35), size, 0.7,
                                   fc=("#ff9896" if j % 2 else "#aec7e8"), ec="white"))
            start += size
    total = max((sum(c if isinstance(c, int) else len(c) for c in chunks) for chunks in rows.values()), default=1)
    ax.set_xlim(0, total)
    ax.set_ylim(-len(rows) + 0.4, 0.6)
    ax.set_yticks([-i for i in range(len(rows))], list(rows))
    ax.set_xlabel("byte position in the stream")
    ax.set_title(title)
    return _finish(fig)


def completion_times(results: Mapping[str, Sequence[float]], unit: str = "s",
                     title: str = "When each client finished") -> Figure:
    """For each server model, the completion time of each client (sorted), as points and lines."""
    fig, ax = plt.subplots(figsize=(7, 3.5))
    for label, times in results.items():
        ordered = sorted(times)
        ax.plot(range(1, len(ordered) + 1), ordered, marker="o", label=label)
    ax.set_xlabel("clients finished (sorted by time)")
    ax.set_ylabel(f"time since start ({unit})")
    ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    return _finish(fig)


class RaceLike(Protocol):
    """What ``race_panels`` needs of a ``sockutil.races.Race``."""

    slow: float
    fast: list[float]
    slow_sent: float


def race_panels(races: Mapping[str, RaceLike], title: str = "When each client finished",
                unit: str = "s") -> Figure:
    """One panel per server model: the fast clients' finishing times, the slow client's, and
    the moment the slow client sent its line.

    Why panels and not one axis: under the three concurrent models the
    clients finish at nearly the same times, so their lines would lie on top
    of each other. Clients that got no answer (``math.inf``) are left out.
    """
    count = max(1, len(races))
    columns = 2 if count > 1 else 1
    rows = math.ceil(count / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(7, 2.2 * rows + 0.6),
                             sharex=True, squeeze=False)
    flat = [ax for row in axes for ax in row]
    finite_times = [t for race in races.values()
                    for t in [race.slow, race.slow_sent, *race.fast] if math.isfinite(t)]
    right = max(finite_times, default=1.0) * 1.1 or 1.0
    for ax, (label, race) in zip(flat, races.items()):
        fast = sorted(t for t in race.fast if math.isfinite(t))
        ax.plot(fast, range(1, len(fast) + 1), "o", color="#1f77b4", label="fast client")
        if math.isfinite(race.slow):
            ax.plot([race.slow], [len(race.fast) + 1], "s", color="#ff7f0e",
                    label="slow client")
        if math.isfinite(race.slow_sent):
            ax.axvline(race.slow_sent, color="#d62728", linestyle=":",
                       label="slow client sends")
        ax.set_title(label, fontsize=10)
        ax.set_xlim(0, right)
        ax.set_ylim(0, len(race.fast) + 2)
        ax.set_ylabel("client")
        ax.grid(alpha=0.3)
    for ax in flat[len(races):]:
        ax.set_visible(False)
    handles, labels = flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=9, frameon=False)
    fig.supxlabel(f"time since the slow client connected ({unit})", y=0.055, fontsize=10)
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    return _finish(fig)

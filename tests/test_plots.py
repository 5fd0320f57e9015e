"""Plots are drawn from the data they are given (counted through the artists)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from matplotlib.patches import FancyArrowPatch, Rectangle  # noqa: E402

from sockutil import plots  # noqa: E402
from sockutil.trace import Trace  # noqa: E402
from tests.test_trace import exchange  # noqa: E402


def test_message_arrows_link_connect_send_and_close_to_the_peer():
    trace = Trace()
    exchange(trace)
    assert plots.message_arrows(trace.calls) == [(5, 6, "SYN"), (7, 8, "data"), (9, 10, "FIN")]


def test_sequence_diagram_draws_one_arrow_per_message():
    trace = Trace()
    exchange(trace)
    fig = plots.sequence_diagram(trace)
    arrows = [p for p in fig.axes[0].patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == 3
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert labels[:2] == ["server", "client"] and "recv() → 5 B" in labels


def test_two_sends_into_one_recv_give_two_arrows():
    trace = Trace()
    server = trace.socket("server")
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    client = trace.socket("client")
    client.settimeout(5)
    client.connect(server.getsockname())
    conn, _ = server.accept()
    conn.settimeout(5)
    client.sendall(b"ab")
    client.sendall(b"cd")
    data = b""
    while len(data) < 4:
        data += conn.recv(4)
    for s in (client, conn, server):
        s.close()
    data_arrows = [a for a in plots.message_arrows(trace.calls) if a[2] == "data"]
    recvs = [c for c in trace.calls if c.name == "recv"]
    assert {a[1] for a in data_arrows} == {r.seq for r in recvs}
    assert {a[0] for a in data_arrows} == {7, 8}


def test_chunk_plots_draw_one_shape_per_chunk():
    fig = plots.chunk_sizes([b"abc", b"de", 7])
    assert len(fig.axes[0].patches) == 3
    assert "3 calls, 12 bytes" in fig.axes[0].get_title()
    fig = plots.chunkings({"sent": [5, 6], "received": [11]})
    assert len([p for p in fig.axes[0].patches if isinstance(p, Rectangle)]) == 3


def test_completion_times_one_line_per_model():
    fig = plots.completion_times({"iterative": [3, 1, 2], "threads": [1, 1, 1]})
    lines = fig.axes[0].get_lines()
    assert len(lines) == 2 and list(lines[0].get_ydata()) == [1, 2, 3]

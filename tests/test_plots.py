"""Plots are drawn from the data they are given (counted through the artists)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import socket  # noqa: E402

from matplotlib.patches import FancyArrowPatch, Rectangle  # noqa: E402

from sockutil import plots  # noqa: E402
from sockutil.trace import Trace  # noqa: E402
from tests.test_trace import exchange  # noqa: E402


def test_message_arrows_link_connect_send_and_close_to_the_peer():
    trace = Trace()
    exchange(trace)
    assert plots.message_arrows(trace.calls) == [(5, 6, "handshake"), (7, 8, "data"), (9, 10, "FIN")]


def arrows_of(fig) -> list[FancyArrowPatch]:
    return [p for p in fig.axes[0].patches if isinstance(p, FancyArrowPatch)]


def test_sequence_diagram_draws_the_handshake_as_three_segments_then_one_arrow_per_message():
    trace = Trace()
    exchange(trace)
    fig = plots.sequence_diagram(trace)
    arrows = arrows_of(fig)
    assert len(arrows) == 3 + 1 + 1  # SYN, SYN-ACK, ACK; the data; the end of stream
    texts = {t.get_text(): t.get_position() for t in fig.axes[0].texts}
    assert list(texts)[:2] == ["server", "client"] and "recv() → 5 B" in texts
    x_server, x_client = texts["server"][0], texts["client"][0]
    # Time flows down: SYN, then SYN-ACK, then ACK, all before the accept() that takes the connection.
    ys = [texts[name][1] for name in ("SYN", "SYN-ACK", "ACK", "accept()")]
    assert ys == sorted(ys, reverse=True)
    # SYN and ACK go from the client to the server, SYN-ACK back.
    handshake = arrows[:3]
    directions = [(a._posA_posB[0][0], a._posA_posB[1][0]) for a in handshake]
    toward_server = [abs(end - x_server) < abs(start - x_server) for start, end in directions]
    assert toward_server == [True, False, True]
    assert abs(directions[1][1] - x_client) < 1e-9  # the SYN-ACK reaches the client's lane
    assert "connect returns" in texts and "queued" in texts


def test_a_connect_without_accept_still_shows_its_handshake_with_the_listener():
    trace = Trace()
    server = trace.socket("server")
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    client = trace.socket("client")
    client.settimeout(5)
    client.connect(server.getsockname())  # completed by the kernel; nobody calls accept()
    client.close()
    server.close()
    assert plots.message_arrows(trace.calls) == [(5, 3, "handshake")]
    assert len(arrows_of(plots.sequence_diagram(trace))) == 3


def test_a_refused_connect_has_no_handshake():
    trace = Trace()
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        address = placeholder.getsockname()
    client = trace.socket("client")
    client.settimeout(5)
    try:
        client.connect(address)
    except ConnectionRefusedError:
        pass
    client.close()
    assert plots.message_arrows(trace.calls) == []
    assert arrows_of(plots.sequence_diagram(trace)) == []


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

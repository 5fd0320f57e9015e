"""Notebook 12's figures (sockutil.plots.wire): drawn from a real capture and real measurements, in words too.

The data is the recording notebook 12 replays (a run with root), read here
with dpkt, so these tests need no root. The accessibility rules are those of
test_plots_access.py, whose helpers they use.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from sockutil import netsim, plots  # noqa: E402
from sockutil.plots import describe, text_of  # noqa: E402
from sockutil.plots.wire_text import sequence_events  # noqa: E402
from tests.test_plots_access import contrast, legends, look  # noqa: E402
from tests.test_twohosts_replay import recorded  # noqa: E402
from tests.twohosts_helpers import segments_by_dpkt  # noqa: E402


@pytest.fixture(scope="module")
def segments():
    return segments_by_dpkt(recorded()["a lossy transfer"]["transfer"].frames, 5001)


@pytest.fixture(scope="module")
def points():
    real = recorded()["goodput against loss"]
    simulated = netsim.sweep_loss(bytes(2000), losses=[0.0, 0.25, 0.5], seeds=range(6))
    return real, simulated


def figures(segments, points):
    return {"captured_sequence": (plots.captured_sequence(segments), describe.captured_sequence(segments)),
            "measured_goodput": (plots.measured_goodput(*points), describe.measured_goodput(*points))}


def test_each_figure_carries_its_twin_s_text(segments, points):
    for name, (figure, text) in figures(segments, points).items():
        assert text_of(figure) == text, name
        assert text.what and text.rows and all(len(row) == len(text.columns) for row in text.rows), name
        assert name in describe.__all__


def test_the_sequence_graph_draws_what_its_text_lists(segments):
    figure = plots.captured_sequence(segments)
    text = text_of(figure)
    events = text.column("event")
    ax = figure.axes[0]
    bars = [line for line in ax.get_lines() if line.get_linewidth() == plots.transfers.BAR_WIDTH]
    assert len(bars) == sum(e.startswith("segment") for e in events) > 100
    dashed = [bar for bar in bars if bar.get_linestyle() != "-"]
    assert len(dashed) == sum(e.startswith("segment resent") for e in events) > 0
    crosses = [line for line in ax.get_lines() if line.get_marker() == "x"]
    assert len(crosses) == sum(e.endswith("sent again later") for e in events) > 0
    assert events.count("SACK block") > 0
    assert max(int(b) for e, b in zip(events, text.column("bytes")) if e == "acknowledged up to") == 256_002


def test_the_goodput_figure_marks_each_transfer_that_had_a_timeout_or_a_probe(points):
    real, _ = points
    figure = plots.measured_goodput(*points)
    triangles = [line for line in figure.axes[0].get_lines() if line.get_marker() == "v"]
    assert len(triangles) == sum(1 for p in real for t in p.timeouts if t) > 0
    squares = [line for line in figure.axes[0].get_lines() if line.get_marker() == "s"]
    assert len(squares) == sum(1 for p in real for t, q in zip(p.timeouts, p.probes) if q and not t)
    text = text_of(figure)
    assert text.column("real runs with a timeout")[0] == 0
    assert text.column("real, fraction of no loss")[0] == "1.000"


def test_no_legend_entry_differs_in_colour_only_and_every_text_contrasts(segments, points):
    for name, (figure, _) in figures(segments, points).items():
        for legend in legends(figure):
            looks = [look(handle) for handle in legend.legend_handles]
            assert len(set(looks)) == len(looks), name
        figure.canvas.draw()
        for text in figure.findobj(Text):
            if text.get_visible() and text.get_text().strip():
                assert contrast(text.get_color(), "white") >= 4.5, (name, text.get_text())


def test_sequence_events_on_a_loss_recovered_by_a_resend():
    def seg(time, sender, seq=1, length=0, ack=None, sack=()):
        return {"time": time, "from_sender": sender, "seq": seq, "length": length, "ack": ack, "sack": list(sack)}

    events = sequence_events([
        seg(0.0, True, 1, 100), seg(0.001, True, 101, 100), seg(0.002, True, 201, 100),
        seg(0.003, False, ack=101), seg(0.004, False, ack=101, sack=[(201, 301)]),
        seg(0.005, True, 101, 100), seg(0.006, False, ack=301),
    ])
    assert events.data == ((0.0, 1, 100, False, False), (1.0, 101, 200, False, True), (2.0, 201, 300, False, False),
                           (5.0, 101, 200, True, False))
    assert events.staircase == ((3.0, 101), (6.0, 301))
    assert events.sacks == ((4.0, 201, 300),)
    assert (events.acks, events.acks_with_sack) == (3, 1)

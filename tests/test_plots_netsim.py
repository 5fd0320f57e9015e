"""Plots of simulated transfers are drawn from the transfer (counted through the artists)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyArrowPatch  # noqa: E402

from sockutil import netsim, plots  # noqa: E402
from sockutil.plots import transfers as plots_netsim  # noqa: E402

MESSAGE = b"".join(b"line %02d of a message sent over a lossy network\n" % i for i in range(1, 13))


def rough_transfer() -> netsim.Transfer:
    run = netsim.simulate(MESSAGE, seed=98, loss=0.2, duplicate=0.1, reorder=0.1)
    assert run.lost and run.copies and run.timeouts and run.reordered  # the picture has it all
    return run


def markers(ax, marker: str) -> list:
    return [line for line in ax.get_lines() if line.get_marker() == marker and line.get_xdata().size]


def texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def test_ladder_draws_one_arrow_per_packet_that_arrived_and_a_cross_per_loss():
    run = rough_transfer()
    fig = plots_netsim.ladder(run)
    ax = fig.axes[0]
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == sum(1 for p in run.packets if not p.lost)
    assert len(markers(ax, "x")) == run.lost
    assert len(markers(ax, "D")) == len(run.timeouts)
    dashed = [a for a in arrows if a.get_linestyle() in ("--", "dashed")]
    assert len(dashed) == run.copies
    dotted = [a for a in arrows if a.get_linestyle() in (":", "dotted")]
    assert len(dotted) == sum(1 for p in run.packets if p.reordered and not p.copy and not p.lost)
    assert "held back" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_ladder_labels_bytes_at_the_sender_and_acks_at_the_receiver():
    run = rough_transfer()
    labels = texts(plots_netsim.ladder(run).axes[0])
    assert labels[:2] == ["sender", "receiver"]
    assert "0-399 (4 segments)" in labels  # the first burst shares one label
    assert any(label.startswith("ACK ") and label.endswith(str(len(MESSAGE))) for label in labels)
    resent = [p for p in run.data_packets() if p.retransmission and not p.copy]
    for packet in resent:
        # said in words, not by colour alone
        assert f"resent {packet.offset}-{packet.offset + packet.length - 1}" in labels


def test_ladder_until_shows_only_the_beginning():
    run = rough_transfer()
    ax = plots_netsim.ladder(run, until=5.0).axes[0]
    early = [p for p in run.packets if p.sent <= 5.0]
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == sum(1 for p in early if not p.lost)
    assert markers(ax, "D") == []


def test_time_sequence_draws_every_segment_and_climbs_to_the_end():
    run = netsim.simulate(bytes(3000), seed=3, loss=0.15)
    ax = plots_netsim.time_sequence(run).axes[0]
    bars = [line for line in ax.get_lines() if line.get_linewidth() == plots_netsim.BAR_WIDTH and line.get_xdata().size == 2]
    assert len(bars) == run.segments_sent
    assert len(markers(ax, "x")) == sum(1 for p in run.data_packets() if p.lost and not p.copy)
    staircase = [line for line in ax.get_lines() if line.get_drawstyle().startswith("steps")]
    assert len(staircase) == 1 and staircase[0].get_ydata()[-1] == 3000
    assert len([line for line in ax.get_lines() if line.get_linestyle() == ":"]) == len(run.timeouts)


def test_goodput_plot_shows_the_means_and_the_runs_that_gave_up():
    points = netsim.sweep_loss(bytes(2000), [0.0, 0.25, 0.5], seeds=range(12), max_retries=4)
    assert any(p.gave_up for p in points)
    fig = plots_netsim.goodput_vs_loss(points)
    left, right = fig.axes
    mean = [line for line in left.get_lines() if line.get_linestyle() == "-"]
    assert list(mean[0].get_ydata()) == [p.mean_goodput for p in points]
    assert len(markers(left, "x")) == sum(1 for p in points if p.gave_up)
    mean_r = [line for line in right.get_lines() if line.get_linestyle() == "-"]
    assert list(mean_r[0].get_ydata()) == [p.mean_retransmissions for p in points]
    assert "12 seeds" in left.get_title()


def test_figures_are_closed_in_pyplot():
    plt.close("all")
    run = rough_transfer()
    plots_netsim.ladder(run)
    plots_netsim.time_sequence(run)
    plots_netsim.goodput_vs_loss(netsim.sweep_loss(b"abc", [0.0], seeds=[1]))
    assert plt.get_fignums() == []


def test_plots_of_an_empty_or_failed_transfer_do_not_fail():
    empty = netsim.simulate(b"", seed=1)
    failed = netsim.simulate(b"abc", seed=1, loss=1.0, max_retries=2)
    for run in (empty, failed):
        plots_netsim.ladder(run)
        plots_netsim.time_sequence(run)


def test_race_panels_draws_one_panel_per_model_and_leaves_out_failures():
    import math
    from sockutil.races import Race

    ok = Race(0.5, slow=0.6, fast=[0.01, 0.02, 0.03], slow_sent=0.5)
    failed = Race(0.5, slow=math.inf, fast=[math.inf, 0.02, math.inf], slow_sent=0.5)
    fig = plots.race_panels({"a": ok, "b": failed, "c": ok})
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in panels] == ["a", "b", "c"]
    assert len(panels[0].lines[0].get_xdata()) == 3  # the fast clients
    assert len(panels[1].lines[0].get_xdata()) == 1  # only the answered one
    assert plt.get_fignums() == []  # closed in pyplot: shown once

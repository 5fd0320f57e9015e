"""Every figure is accessible: a text equivalent that matches what is drawn, colour never the
only carrier of meaning, and text that contrasts with its background.

WCAG 2.1 AA asks for a text alternative for every image (1.1.1), for meaning
that does not rest on colour alone (1.4.1), and for 4.5:1 contrast of text
(1.4.3). These tests check each on the real figures, counted through their
artists, and check that the notebooks put a text equivalent beside each
figure they show.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import itertools  # noqa: E402
import math  # noqa: E402
import re  # noqa: E402
from pathlib import Path  # noqa: E402

import nbformat  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgb, to_rgba  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import FancyArrowPatch, Rectangle  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from sockutil import netsim, plots  # noqa: E402
from sockutil.plots import describe, text_of  # noqa: E402
from sockutil.plots.figure_text import FigureText  # noqa: E402
from sockutil.races import Race  # noqa: E402
from sockutil.trace import Trace  # noqa: E402
from tests.test_plots_netsim import MESSAGE  # noqa: E402
from tests.test_trace import exchange  # noqa: E402

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def traced() -> Trace:
    trace = Trace()
    exchange(trace)
    return trace


def rough() -> netsim.Transfer:
    return netsim.simulate(MESSAGE, seed=98, loss=0.2, duplicate=0.1, reorder=0.1)


RACES = {
    "iterative": Race(0.5, slow=0.55, fast=[1.0, 1.1, 1.2], slow_sent=0.5),
    "threads": Race(0.5, slow=0.6, fast=[0.01, 0.02, math.inf], slow_sent=0.5),
    "failed": Race(0.5, slow=math.inf, fast=[math.inf], slow_sent=math.inf),
}

#: Every drawing function with arguments that exercise it: (name, args, kwargs).
CASES = [
    ("sequence_diagram", lambda: (traced(),), {"title": "One exchange"}),
    ("chunk_sizes", lambda: ([b"abc", b"de", 7],), {}),
    ("chunkings", lambda: ({"sent": [4, 4, 4, 2], "received": [b"abcdefghij", b"klmn"]},), {}),
    ("completion_times", lambda: ({"iterative": [0.3, 0.1, 0.2], "threads": [0.1, 0.1, 0.12],
                                   "selectors": [0.1, 0.11, 0.12]},), {}),
    ("race_panels", lambda: (RACES,), {"title": "a race"}),
    ("encapsulation", lambda: (1460,), {"notes": {"IPv4": "= the MTU"}}),
    ("port_ranges", lambda: ((32768, 60999),), {"marks": {"ssh": 22, "lecture": 4444}}),
    ("ladder", lambda: (rough(),), {}),
    ("time_sequence", lambda: (netsim.simulate(bytes(3000), seed=3, loss=0.15),), {}),
    ("goodput_vs_loss", lambda: (netsim.sweep_loss(bytes(2000), [0.0, 0.25, 0.5], seeds=range(12),
                                                   max_retries=4),), {}),
]
IDS = [case[0] for case in CASES]


def draw(name, args, kwargs) -> Figure:
    return getattr(plots, name)(*args(), **kwargs)


# -- text equivalents

@pytest.mark.parametrize("name, args, kwargs", CASES, ids=IDS)
def test_every_figure_carries_the_text_its_twin_gives(name, args, kwargs):
    fig = draw(name, args, kwargs)
    text = text_of(fig)
    assert isinstance(text, FigureText)
    assert text == getattr(describe, name)(*args(), **kwargs)
    assert text.what and text.rows and text.columns
    assert all(len(row) == len(text.columns) for row in text.rows)
    assert str(text).startswith(text.title) and text.table() in str(text)


@pytest.mark.parametrize("name, args, kwargs", CASES, ids=IDS)
def test_the_png_output_carries_the_text_as_its_alt(name, args, kwargs):
    """What IPython sends for a figure: the PNG, its repr, and the text as the PNG's alt metadata."""
    from IPython.core.formatters import DisplayFormatter

    formatter = DisplayFormatter()
    formatter.formatters["image/png"].for_type(Figure, lambda figure: "PNG")  # as the inline backend does
    fig = draw(name, args, kwargs)
    data, metadata = formatter.format(fig)
    assert data["image/png"] == "PNG" and data["text/plain"].startswith("<Figure size")
    assert metadata == {"image/png": {"alt": text_of(fig).alt}}
    assert text_of(fig).title in metadata["image/png"]["alt"]


def test_a_figure_from_elsewhere_has_no_text_and_says_so():
    import matplotlib.pyplot as plt

    fig = plt.figure()
    plt.close(fig)
    with pytest.raises(TypeError, match="not drawn by sockutil.plots"):
        text_of(fig)


def test_the_sequence_text_lists_every_call_and_arrow_that_is_drawn():
    trace = traced()
    fig = plots.sequence_diagram(trace)
    text = text_of(fig)
    assert text.column("#") == [f"#{c.seq}" for c in trace.calls]
    drawn = {t.get_text() for t in fig.axes[0].texts}
    assert set(text.column("call")) <= drawn  # the same labels as the boxes
    arrows = [a for cell in text.column("arrows to") if cell for a in cell.split(", ")]
    assert arrows == ["handshake → #6", "bytes → #8", "end of stream → #10"]
    # the handshake is three segments on the picture, the others one arrow each
    assert len([p for p in fig.axes[0].patches if isinstance(p, FancyArrowPatch)]) == 3 + len(arrows) - 1


def test_the_bar_and_chunk_texts_hold_the_drawn_sizes():
    fig = plots.chunk_sizes([b"abc", b"de", 7])
    heights = [p.get_height() for p in fig.axes[0].patches]
    assert text_of(fig).column("bytes") == heights == [3, 2, 7]
    assert text_of(fig).findings == ("3 calls returned 12 bytes in all; the largest returned 7 bytes, "
                                     "the smallest 2.",)
    fig = plots.chunkings({"sent": [4, 4, 4, 2], "received": [b"abcdefghij", b"klmn"]})
    text = text_of(fig)
    assert text.column("piece sizes, in order") == ["4 4 4 2", "10 4"]
    assert text.column("pieces") == [4, 2] and text.findings == ("2 rows of 14 bytes each.",)
    widths = [p.get_width() for p in fig.axes[0].patches if isinstance(p, Rectangle)]
    assert widths == [4, 4, 4, 2, 10, 4]


def test_the_encapsulation_text_adds_up_like_the_picture():
    fig = plots.encapsulation(39, payload_name="HTTP request")
    text = text_of(fig)
    assert text.column("total (B)") == [39, 59, 79, 97]
    drawn = [t.get_text() for t in fig.axes[0].texts]
    assert all(f"{total} B" in drawn for total in text.column("total (B)"))
    assert text.findings[-1] == "Ethernet frame: Ethernet header 14 B + IPv4 packet 79 B + FCS 4 B = 97 B."
    assert fig.axes[0].get_title() == text.title


def test_the_port_text_keeps_the_machine_s_range_out_of_its_table():
    """The table reads the same on every machine; the OS's ephemeral range is a finding."""
    here = describe.port_ranges((32768, 60999), {"ssh": 22})
    elsewhere = describe.port_ranges((49152, 65535), {"ssh": 22})
    assert here.table() == elsewhere.table() and here.what == elsewhere.what
    assert here.findings == ("This OS's ephemeral range: 32768–60999 (28232 ports).",)
    assert here.column("ports")[:3] == [1024, 48128, 16384]


def test_the_ladder_text_has_a_row_per_packet_and_timeout():
    run = rough()
    text = describe.ladder(run)
    assert len(text.rows) == len(run.packets) + len(run.timeouts)
    assert text.column("arrived (ms)").count("lost") == run.lost
    assert sum("resent" in note for note in text.column("note")) == sum(
        1 for p in run.packets if p.retransmission)
    times = text.column("sent (ms)")
    assert times == sorted(times)
    early = describe.ladder(run, until=5.0)
    assert len(early.rows) == sum(1 for p in run.packets if p.sent <= 5.0)


def test_the_time_sequence_text_follows_the_staircase():
    run = netsim.simulate(bytes(3000), seed=3, loss=0.15)
    fig = plots.time_sequence(run)
    text = text_of(fig)
    events = text.column("event")
    assert sum(e.startswith("segment") for e in events) == run.segments_sent
    assert events.count("timeout") == len(run.timeouts)
    staircase = [line for line in fig.axes[0].get_lines() if line.get_drawstyle().startswith("steps")][0]
    assert [int(v) for v in staircase.get_ydata()[1:]] == [
        b for e, b in zip(events, text.column("bytes")) if e == "acknowledged up to"]


def test_the_race_and_goodput_texts_say_what_failed():
    text = describe.race_panels(RACES)
    assert "failed: 0 of 1 fast clients answered; the slow client never sent and got no answer." in text.findings
    assert "threads: 2 of 3 fast clients answered, between 0.010 and 0.020 s; 2 of them before" in text.findings[1]
    assert text.column("finished (s)").count("no answer") == 4
    points = netsim.sweep_loss(bytes(2000), [0.0, 0.5], seeds=range(12), max_retries=4)
    text = describe.goodput_vs_loss(points)
    assert text.column("gave up") == [p.gave_up for p in points]
    assert text.column("mean goodput (kB/s)") == [f"{p.mean_goodput:.1f}" for p in points]


def test_figure_text_table_column_and_limit():
    text = FigureText("T", "how to read it", ("one finding.",), ("a", "long name"),
                      tuple((i, i * 1.5) for i in range(5)))
    lines = text.table().splitlines()
    assert lines[0] == "a  long name" and lines[2] == "1  1.5"
    assert text.table(limit=2).splitlines()[-1] == "... and 3 more rows (text.table() shows them all)"
    assert text.column("long name")[-1] == 6.0
    with pytest.raises(KeyError, match="the columns are a, long name"):
        text.column("b")
    assert text.alt == "T. how to read it one finding."


# -- colour is never the only carrier

def look(handle) -> tuple:
    """Everything that tells a legend entry apart, except its colour."""
    if isinstance(handle, Line2D):
        dashes = handle.get_dashes() if hasattr(handle, "get_dashes") else None
        return ("line", handle.get_linestyle(), str(handle._dash_pattern), handle.get_marker(),
                round(handle.get_linewidth(), 2), dashes)
    return ("patch", getattr(handle, "get_hatch", lambda: None)(), round(handle.get_linewidth(), 2))


def legends(fig: Figure) -> list:
    found = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    return found + list(fig.legends)


@pytest.mark.parametrize("name, args, kwargs", CASES, ids=IDS)
def test_no_two_legend_entries_differ_in_colour_only(name, args, kwargs):
    fig = draw(name, args, kwargs)
    for legend in legends(fig):
        handles = legend.legend_handles
        labels = [t.get_text() for t in legend.get_texts()]
        for (a, label_a), (b, label_b) in itertools.combinations(zip(handles, labels), 2):
            assert look(a) != look(b), f"{name}: '{label_a}' and '{label_b}' differ only in colour"


def test_the_sequence_diagram_s_arrow_kinds_differ_in_line_style():
    fig = plots.sequence_diagram(traced())
    styles = {}
    for arrow in fig.axes[0].patches:
        if isinstance(arrow, FancyArrowPatch):
            styles.setdefault(to_rgb(arrow.get_edgecolor()), set()).add(str(arrow.get_linestyle()))
    assert len(styles) == 3 and all(len(s) == 1 for s in styles.values())
    assert len(set.union(*styles.values())) == 3  # one style per kind


def test_neighbouring_chunks_differ_in_hatching_and_are_outlined():
    fig = plots.chunkings({"sent": [4, 4, 4, 2]})
    boxes = [p for p in fig.axes[0].patches if isinstance(p, Rectangle)]
    hatches = [box.get_hatch() for box in boxes]
    assert all(a != b for a, b in zip(hatches, hatches[1:]))
    assert all(to_rgba(box.get_edgecolor())[:3] != (1.0, 1.0, 1.0) for box in boxes)


def test_each_model_line_has_its_own_marker_and_dash():
    fig = plots.completion_times({"a": [1, 2], "b": [1, 1], "c": [2, 2], "d": [3, 3]})
    lines = fig.axes[0].get_lines()
    assert len({line.get_marker() for line in lines}) == 4
    assert len({line.get_linestyle() for line in lines}) == 4


def test_a_resent_segment_is_thicker_and_says_so_and_a_loss_is_a_cross():
    run = rough()
    ax = plots.ladder(run).axes[0]
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    widths = sorted({round(a.get_linewidth(), 2) for a in arrows})
    resent_arrived = sum(1 for p in run.packets if p.retransmission and not p.lost)
    assert resent_arrived and len(widths) == 2
    assert sum(1 for a in arrows if round(a.get_linewidth(), 2) == widths[1]) == resent_arrived
    assert any(t.get_text().startswith("resent ") for t in ax.texts)
    crosses = [line for line in ax.get_lines() if line.get_marker() == "x"]
    assert len(crosses) == run.lost


def test_a_resent_bar_is_dashed_in_the_time_sequence_graph():
    run = netsim.simulate(bytes(3000), seed=3, loss=0.15)
    ax = plots.time_sequence(run).axes[0]
    bars = [line for line in ax.get_lines() if line.get_linewidth() == plots.transfers.BAR_WIDTH]
    dashed = [bar for bar in bars if bar.get_linestyle() != "-"]
    assert len(dashed) == run.retransmissions and len(bars) == run.segments_sent


# -- contrast of text (WCAG 1.4.3: 4.5:1)

def luminance(colour) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in to_rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("name, args, kwargs", CASES, ids=IDS)
def test_every_text_contrasts_with_its_background(name, args, kwargs):
    fig = draw(name, args, kwargs)
    fig.canvas.draw()  # ticks get their labels when drawn
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    assert len(texts) > 3  # titles, labels, ticks, legends, notes
    for text in texts:
        patch = text.get_bbox_patch()
        background = patch.get_facecolor() if patch is not None else "white"
        ratio = contrast(text.get_color(), background)
        assert ratio >= 4.5 or text.get_color() == "white", f"{name}: {text.get_text()!r} at {ratio:.2f}:1"


def test_the_contrast_helper_agrees_with_known_pairs():
    assert contrast("black", "white") == pytest.approx(21.0)
    assert contrast("#767676", "white") == pytest.approx(4.54, abs=0.01)  # the classic AA grey


# -- the notebooks: a text equivalent beside every figure

def figure_cells():
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code" and any("image/png" in out.get("data", {}) for out in cell.outputs):
                yield path.name, nb.cells, index


@pytest.mark.parametrize("notebook, cells, index",
                         [pytest.param(*found, id=f"{found[0]}:{found[1][found[2]].id}") for found in figure_cells()])
def test_every_figure_in_a_notebook_has_its_text_beside_it(notebook, cells, index):
    """After each figure: a sentence (markdown) and a cell that prints the figure's text twin."""
    figure = cells[index].source
    drawn = [name for name in describe.__all__ if re.search(rf"\b{name}\(", figure)]
    assert len(drawn) == 1, f"{notebook}: which sockutil.plots function draws this figure? {drawn}"
    sentence, printing = cells[index + 1], cells[index + 2]
    assert sentence.cell_type == "markdown" and sentence.source.strip(), f"{notebook}: no sentence after the figure"
    assert printing.cell_type == "code" and f"describe.{drawn[0]}(" in printing.source, (
        f"{notebook}: the cell after the sentence should print describe.{drawn[0]}(...)")
    printed = "".join(out.get("text", "") for out in printing.outputs if out.output_type == "stream")
    assert printed.strip(), f"{notebook}: the text equivalent's cell printed nothing"

"""plots.throughput_vs_buffer and its text twin: drawn from the transfers given, accessible, and stable in words.

The same checks as tests/test_plots_access.py applies to every figure (its
helpers are reused): the text twin is attached, colour is never the only
carrier, text contrasts with its background. The transfers here are made up,
so every number is known.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import itertools  # noqa: E402

from matplotlib.figure import Figure  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from sockutil import plots  # noqa: E402
from sockutil.plots import describe, text_of  # noqa: E402
from sockutil.plots.throughput_text import size_label  # noqa: E402
from sockutil.throughput import Transfer  # noqa: E402
from tests.test_plots_access import contrast, legends, look  # noqa: E402

SIZES = [1, 64, 4096, 1 << 20]

#: Seconds per call for each method: small buffers cost the call, large ones the bytes.
PER_CALL = {"send": 2e-6, "sendall": 2e-6, "sendfile": 1e-5}


def made_up(methods=("send", "sendall", "sendfile"), sizes=SIZES) -> list[Transfer]:
    results = []
    for method in methods:
        for size in sizes:
            calls = 1000
            seconds = calls * (PER_CALL[method] + size / 2e9)  # 2 GB/s once the bytes dominate
            results.append(Transfer(method, size, calls * size, calls * size, seconds, calls, calls))
    return results


def test_each_method_is_a_line_through_its_measured_points_on_log_axes():
    results = made_up()
    fig = plots.throughput_vs_buffer(results)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) == {"send", "sendall", "sendfile", "a fixed time per call"}
    for method in ("send", "sendall", "sendfile"):
        points = [t for t in results if t.method == method]
        assert list(lines[method].get_xdata()) == SIZES
        assert list(lines[method].get_ydata()) == [t.bytes_per_second for t in points]
    guide = lines["a fixed time per call"]
    first = results[0]
    assert guide.get_ydata()[0] == first.bytes_per_second
    slope = [y / x for x, y in zip(guide.get_xdata(), guide.get_ydata())]
    assert max(slope) == min(slope)  # throughput in proportion to the buffer size
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1 B", "64 B", "4 KiB", "1 MiB"]
    assert "vary from run to run" in ax.get_title()


def test_the_text_twin_is_attached_and_matches_the_drawing():
    results = made_up()
    fig = plots.throughput_vs_buffer(results)
    text = text_of(fig)
    assert text == describe.throughput_vs_buffer(results)
    assert text.column("method") == [t.method for t in results]
    assert text.column("buffer (bytes)") == [t.buffer_size for t in results]
    assert text.column("calls") == [1000] * len(results)
    assert "solid line, circles" in text.what and "dotted line, triangles" in text.what
    assert "vary from run to run" in text.what


def test_the_findings_are_relations_that_do_not_change_with_the_speeds():
    slow, fast = made_up(), made_up()
    fast = [Transfer(t.method, t.buffer_size, t.sent, t.received, t.seconds / 3, t.calls, t.recv_calls)
            for t in fast]
    assert describe.throughput_vs_buffer(slow).findings == describe.throughput_vs_buffer(fast).findings
    assert describe.throughput_vs_buffer(slow).what == describe.throughput_vs_buffer(fast).what
    assert describe.throughput_vs_buffer(slow).table() != describe.throughput_vs_buffer(fast).table()
    findings = describe.throughput_vs_buffer(slow).findings
    assert findings[0] == "send, sendall, sendfile made exactly ⌈bytes sent / buffer size⌉ calls at every point."
    assert findings[1] == "send: 1 MiB buffers were more than 100 times as fast as 1 B buffers."


def test_the_findings_say_so_when_a_relation_does_not_hold():
    flat = [Transfer("send", size, 1000 * size, 1000 * size, size / 1e6, 1000 + 1, 1000) for size in (1, 64)]
    findings = describe.throughput_vs_buffer(flat).findings
    assert findings[0].startswith("send made at least that many")
    assert findings[1] == "send: 64 B buffers were 1.0 times as fast as 1 B buffers."


def test_colour_is_never_the_only_carrier_and_text_contrasts():
    fig: Figure = plots.throughput_vs_buffer(made_up())
    for legend in legends(fig):
        for a, b in itertools.combinations(legend.legend_handles, 2):
            assert look(a) != look(b)
    fig.canvas.draw()
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    assert len(texts) > 3
    for text in texts:
        assert contrast(text.get_color(), "white") >= 4.5, text.get_text()


def test_size_labels():
    assert [size_label(s) for s in (1, 1000, 1024, 4096, 1 << 20, 3 << 20)] == [
        "1 B", "1000 B", "1 KiB", "4 KiB", "1 MiB", "3 MiB"]


def test_a_single_point_and_no_points_still_draw():
    one = plots.throughput_vs_buffer(made_up(methods=("send",), sizes=[64]))
    assert text_of(one).findings == ("send made exactly ⌈bytes sent / buffer size⌉ calls at every point.",)
    empty = plots.throughput_vs_buffer([])
    assert text_of(empty).rows == () and text_of(empty).findings == ()

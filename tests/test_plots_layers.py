"""The encapsulation and port-range figures draw what they are given (counted through the artists)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from sockutil.plots.layers import TCP_IPV4_ETHERNET, Layer, encapsulation  # noqa: E402
from sockutil.plots.ports import port_ranges  # noqa: E402


def texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_each_row_adds_one_header_in_front():
    fig = encapsulation(39, payload_name="HTTP request")
    boxes = [p for p in fig.axes[0].patches if isinstance(p, Rectangle)]
    # application 1, TCP 2, IPv4 3, Ethernet 5 (header, IP, TCP, payload, FCS)
    assert len(boxes) == 1 + 2 + 3 + 5
    labels = texts(fig)
    for label in ("TCP\nheader\n20 B", "IPv4\nheader\n20 B", "Ethernet\nheader\n14 B",
                  "HTTP request\n39 B", "FCS\n4 B"):
        assert label in labels
    # the totals of each row, at the right
    for total in ("39 B", "59 B", "79 B", "97 B"):
        assert total in labels
    assert fig.number not in plt.get_fignums(), "the figure must be closed in pyplot"


def test_headers_are_in_front_outermost_first():
    fig = encapsulation(39)
    boxes = [p for p in fig.axes[0].patches if isinstance(p, Rectangle)]
    bottom = min(b.get_y() for b in boxes)
    row = sorted((b for b in boxes if b.get_y() == bottom), key=lambda b: b.get_x())
    widths = [round(b.get_width(), 6) for b in row]
    assert widths == [1.4, 2.0, 2.0, 3.9, 0.4]  # Ethernet, IPv4, TCP, payload, FCS, to scale


def test_a_large_payload_is_shortened_and_says_so():
    fig = encapsulation(1460, notes={"IPv4": "= the MTU"})
    labels = texts(fig)
    assert "1500 B = the MTU" in labels and "1518 B" in labels
    title = fig.axes[0].get_title()
    assert "payload shortened, not to scale" in title
    assert title.count("(") == title.count(")") == 1, "no nested parentheses in the title"
    widest = max(p.get_width() for p in fig.axes[0].patches)
    assert widest < 1460 * 0.1


def test_custom_layers_and_bad_input():
    fig = encapsulation(1440, [Layer("TCP", 20, unit="segment"), Layer("IPv6", 40, unit="packet")])
    assert "1500 B" in texts(fig)
    assert TCP_IPV4_ETHERNET[-1].trailer == 4
    with pytest.raises(ValueError):
        encapsulation(-1)


def test_port_ranges_show_iana_the_os_range_and_marks():
    fig = port_ranges((32768, 60999), {"ssh": 22, "http": 80, "lecture": 4444})
    top, zoom = fig.axes
    labels = texts(fig)
    assert any("registered (user)\n1024–49151\n(48128 ports)" == t for t in labels)
    assert any("16384 ports" in t for t in labels)
    assert "this OS's ephemeral range: 32768–60999" in labels
    assert "lecture: 4444" in [t.get_text() for t in top.texts]
    assert {"ssh: 22", "http: 80"} <= {t.get_text() for t in zoom.texts}
    assert fig.number not in plt.get_fignums()

"""Figures for the lessons: what students would rather see than read.

Why a package: every figure needs matplotlib, and nothing else in sockutil
may import it (``import sockutil`` stays light). So the presentation floor's
figures live here, one module per subject, and this file only hands their
names on, so that ``from sockutil.plots import ladder`` works whichever module
draws it:

* ``sequence``: sequence diagrams from real socket calls, recv chunk sizes,
  completion times and race panels;
* ``layers``: encapsulation, each layer's header in front of the one above;
* ``ports``: the port number line with IANA's ranges and the ephemeral range;
* ``transfers``: simulated transfers from ``sockutil.netsim`` (ladder,
  time-sequence graph, goodput against loss).
* ``throughput``: measured throughput against buffer size
  (``sockutil.throughput``).
* ``wire``: real transfers between two hosts (``sockutil.twohosts``): a
  capture's time-sequence graph, real goodput beside the simulated one.

* ``describe``: each figure's text equivalent, a twin function of the same
  name and arguments that returns a ``FigureText`` (what the figure shows, in
  words, and the numbers it is drawn from) without drawing; see
  ``figure_text`` for why and where the text goes.

Every function returns a matplotlib ``Figure`` already closed in pyplot, so a
notebook cell that ends with the call shows it exactly once, and with its
text equivalent attached: ``text_of(figure)``. Colour never carries meaning
alone: line styles, markers, hatching and labels say it too.
"""

from . import describe
from .figure_text import FigureText, text_of
from .layers import TCP_IPV4_ETHERNET, Layer, encapsulation
from .ports import IANA_RANGES, port_ranges
from .sequence import (
    chunk_sizes,
    chunkings,
    completion_times,
    message_arrows,
    race_panels,
    sequence_diagram,
)
from .throughput import throughput_vs_buffer
from .transfers import goodput_vs_loss, ladder, time_sequence
from .wire import captured_sequence, measured_goodput

__all__ = [
    "IANA_RANGES",
    "Layer",
    "TCP_IPV4_ETHERNET",
    "FigureText",
    "captured_sequence",
    "chunk_sizes",
    "chunkings",
    "completion_times",
    "describe",
    "encapsulation",
    "goodput_vs_loss",
    "ladder",
    "measured_goodput",
    "message_arrows",
    "port_ranges",
    "race_panels",
    "sequence_diagram",
    "text_of",
    "throughput_vs_buffer",
    "time_sequence",
]

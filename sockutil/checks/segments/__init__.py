"""Self-checks for notebook 07, Segments and reliability.

* ``fill``: ``check_fill_send_buffer`` runs ``fill_send_buffer(sock)`` on real
  loopback connections whose peer never reads, and compares its count with
  what the peer finally receives;
* ``reassembly``: ``check_reassemble`` feeds ``reassemble(first_seq, arrivals)``
  hand-made cases (early, duplicated, overlapping segments, the 32-bit wrap)
  and the arrivals of simulated transfers over a lossy network
  (``sockutil.netsim``), comparing the stream and every ACK with the
  simulation's own receiver.

Student code can loop for ever as easily as it can block, and a socket
timeout does not stop a ``while True``. So every call runs through
``attempt`` with a deadline; at the deadline the socket is shut down (which
wakes a blocked ``send``) and a loop that waits on nothing is interrupted
(``sockutil.checks.interrupt``). No signal handler is touched.
"""

from __future__ import annotations

from .fill import check_fill_send_buffer
from .reassembly import check_reassemble, netsim_cases

__all__ = ["check_fill_send_buffer", "check_reassemble", "netsim_cases"]

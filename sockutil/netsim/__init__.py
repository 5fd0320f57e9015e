"""A toy model of TCP's reliable delivery over an unreliable network: seeded, pure, no sockets.

Theory of operation
-------------------
Loopback never loses, duplicates or reorders a packet, so real sockets on one
machine cannot show how TCP copes when the network does. This module
*simulates* it instead, deterministically: the same ``seed`` gives the same
run, byte for byte, on every machine (Python's ``random.Random`` is the same
Mersenne Twister everywhere, and the simulation's arithmetic is plain IEEE
floats), so a notebook can print its results and nbval can check them.

It is a toy model. It keeps the parts of TCP that make a byte stream
reliable, and leaves the rest out on purpose:

* kept: byte-numbered sequence numbers (32 bits, wrapping) starting from a
  random initial sequence number (ISN); segments of at most ``mss`` bytes;
  cumulative ACKs ("I have every byte before number N"); a sender window of
  ``window`` segments in flight; one retransmission timer for the oldest
  unacknowledged segment, whose timeout doubles on every expiry (exponential
  backoff, RFC 6298 section 5.5); giving up after ``max_retries``
  retransmissions without progress; reassembly of out-of-order and duplicated
  segments at the receiver;
* left out: the handshake and FIN (the SYN is taken to have used sequence
  number ISN, so the first data byte is ISN + 1, as in real TCP); congestion
  control; fast retransmit on duplicate ACKs; SACK; measuring the round-trip
  time (the timeout starts at ``rto`` and only backoff changes it); the
  receive window; delayed ACKs; checksums (a corrupted packet is simply a
  lost one); header sizes. Data flows one way; ACKs flow back.

Three small state machines, none with a clock or any I/O of its own (the
style of h11: the caller owns time and transport):

``Sender``
    ``poll(now)`` hands out the new segments the window allows;
    ``on_ack(ack)`` takes a cumulative ACK; ``on_timeout(now)`` is called
    when ``deadline`` passes and hands back the segment to send again. Its
    ``state`` moves along this table and nowhere else::

        SENDING --(an ACK covers every byte)------------> DONE
        SENDING --(timeout, retries left)---------------> SENDING (resend, timeout x 2)
        SENDING --(timeout, max_retries already spent)--> GAVE_UP

    An ACK that acknowledges new bytes resets the retry count and the timeout
    to ``rto``. Empty data starts (and ends) in DONE.

``Receiver``
    ``on_segment(seq, payload)`` keeps bytes that arrive early, drops bytes
    it already has, hands on every byte that is now in order, and returns the
    cumulative ACK number to send back (for every data segment, including a
    duplicate: that is a duplicate ACK).

``Network``
    Decides the fate of each packet: lost, delayed, held back (so later
    packets overtake it: reordering), or copied (a duplicate). It draws the
    same five random numbers for every packet whatever happens to it, so runs
    with the same seed and a higher loss rate lose a superset of packets as
    long as the runs agree (common random numbers: sweeps come out smooth).

``simulate()`` runs them on a queue of timed events (arrivals and timer
expiries, ordered by time and then by the order they were scheduled) and
returns a ``Transfer``: every packet with its flags and times, every step as
an ``Event``, the timeouts, and the bytes the receiver delivered in order.

Layout: one module per part, each readable on its own, none importing
anything but the standard library and its siblings:

* ``sequence_space``: 32-bit sequence numbers and their arithmetic;
* ``network``: ``Network`` and the ``Fate`` of each packet;
* ``endpoints``: the ``Sender`` and ``Receiver`` state machines;
* ``records``: what a run leaves behind (``Packet``, ``Event``, ``Timeout``,
  ``Transfer`` with its summary and transcript);
* ``simulation``: ``simulate()``, the event loop that drives the three
  machines, one handler per kind of event;
* ``sweep``: ``sweep_loss()``, many runs over a range of loss rates.

This file only hands the names on: ``from sockutil import netsim`` then
``netsim.simulate(...)`` reads the same as when all of it was one module.

Units: times in milliseconds, sizes in bytes, so a goodput in bytes per
millisecond is also kilobytes (1000 bytes) per second.
"""

from .endpoints import DONE, GAVE_UP, SENDING, Receiver, Sender
from .network import DRAWS_PER_PACKET, Fate, Network
from .records import Event, Packet, Timeout, Transfer
from .sequence_space import MAX_DATA, SEQ_SPACE, seq_add, seq_offset
from .simulation import simulate
from .sweep import SweepPoint, sweep_loss

__all__ = [
    "SEQ_SPACE",
    "SENDING",
    "DONE",
    "GAVE_UP",
    "seq_add",
    "seq_offset",
    "Network",
    "Sender",
    "Receiver",
    "Packet",
    "Event",
    "Timeout",
    "Transfer",
    "simulate",
    "SweepPoint",
    "sweep_loss",
]

"""Self-checks for notebook 06, Byte streams: a line reader and a frame reader.

Why these checks look the way they do: a reader that assumes "one ``recv``
is one message" passes every test on loopback that sends a short message in
one piece, because the bytes happen to arrive together. So both checks give
the student's reader a real TCP socket and cut the stream on purpose, one
piece at a time (``sockutil.checks.reader_bench``), and send what a careless
or hostile peer sends. Every case prints one line: a tick, or a cross with
what the reader did and a hint chosen by the cause.

* ``lines``: ``check_read_lines`` for ``read_lines(sock, bufsize, max_line)``;
* ``frames``: ``check_read_frame`` for ``read_frame(sock, max_size)``.
"""

from __future__ import annotations

from .frames import check_read_frame
from .lines import LINE_TEXT, MAX_BUFSIZE, SWEEP_TEXT, check_read_lines, example_chunkings

__all__ = ["LINE_TEXT", "MAX_BUFSIZE", "SWEEP_TEXT", "check_read_frame", "check_read_lines", "example_chunkings"]

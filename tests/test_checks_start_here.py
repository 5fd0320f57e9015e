"""The machinery of notebook 00's check (shout): what the gallery cannot show on its own.

The gallery (``tests/wrong_solutions/shout/``) proves the check fails each
plausible wrong solution with its hint; these tests prove why that holds on
every run: the server's small segments keep a client's send buffer small,
and the predicates behind the decoding hints say yes only to what they name.
"""

from __future__ import annotations

import socket
import sys

import pytest

from sockutil import Server
from sockutil.checks import start_here


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the send buffer's sizing is Linux's")
def test_one_send_takes_only_part_of_the_long_text_from_a_client_of_the_checks_server():
    with Server("upper", name="test-small-segments", idle_timeout=30) as server:
        start_here._announce_small_segments(server)
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG) <= start_here.SMALL_SEGMENT
            taken = sock.send(b"abc" * 100_000)   # the check's long text
            # (the server echoes what it read; this client never reads, and closes with it unread)
        assert taken < 300_000 / 2


@pytest.mark.parametrize("value, expected, lost", [
    ("GRE, ZO!  5 ", "GRüßE, ZOë! € 5 ✓", True),      # every cut character vanished
    ("GRßE, ZOë! € 5 ✓", "GRüßE, ZOë! € 5 ✓", True),   # one did
    ("GRüßE, ZOë! € 5", "GRüßE, ZOë! € 5 ✓", False),   # a space went too: cut short, not ignored
    ("GRüßE, ZOë! € 5 ✓", "GRüßE, ZOë! € 5 ✓", False),
])
def test_characters_lost_to_errors_ignore_are_told_from_a_reply_cut_short(value, expected, lost):
    assert start_here._lost_only_multibyte(value, expected) is lost


@pytest.mark.parametrize("codec", ["latin-1", "cp1252"])
def test_a_reply_decoded_one_byte_per_character_is_recognised(codec):
    expected = "GRüßE, ZOë! € 5 ✓"
    assert start_here._decoded_as_one_byte_characters(expected.encode().decode(codec), expected)
    assert not start_here._decoded_as_one_byte_characters(expected, expected)
    assert not start_here._decoded_as_one_byte_characters("GRUSSE", expected)

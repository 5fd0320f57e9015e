"""describe_error: the same words on every OS, and enough of them to tell errors apart."""

from __future__ import annotations

import errno
import struct

from sockutil import PrivilegedPortError, describe_error


def test_os_errors_are_named_without_their_os_specific_text():
    assert describe_error(ConnectionResetError(errno.ECONNRESET, "Connection reset by peer")) == \
        "ConnectionResetError"
    assert describe_error(TimeoutError("timed out")) == "TimeoutError"


def test_a_plain_os_error_says_which_errno_it_is():
    assert describe_error(OSError(errno.EADDRINUSE, "Address already in use")) == "OSError (EADDRINUSE)"
    assert describe_error(OSError(errno.ENOTCONN, "not connected")) == "OSError (ENOTCONN)"
    assert describe_error(OSError("no number")) == "OSError"


def test_other_errors_keep_their_message_cut_to_the_limit():
    assert describe_error(ValueError("x" * 200)) == "ValueError: " + "x" * 87 + "..."
    assert describe_error(struct.error("unpack requires a buffer of 4 bytes")).startswith("struct.error: ")


def test_a_refused_low_port_names_the_capability_not_root_alone():
    text = str(PrivilegedPortError("127.0.0.1", 80))
    assert "CAP_NET_BIND_SERVICE" in text and "port=0" in text

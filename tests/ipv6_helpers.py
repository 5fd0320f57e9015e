"""One probe for IPv6, shared by every test that needs ``::1``.

Some machines have no IPv6 (a container with it switched off, a Python built
without it). A test on ``::1`` there is skipped, and says why, rather than
failing for a reason that has nothing to do with the kit. The probe runs once
per test session (``names.has_ipv6_loopback`` remembers its answer).
"""

from __future__ import annotations

import pytest

from sockutil import names

#: Why an IPv6 test was skipped, as pytest -rs prints it.
NO_IPV6_REASON = "this machine has no IPv6 loopback: binding an AF_INET6 socket to ::1 failed"

#: Mark a test that needs ::1.
needs_ipv6 = pytest.mark.skipif(not names.has_ipv6_loopback(), reason=NO_IPV6_REASON)

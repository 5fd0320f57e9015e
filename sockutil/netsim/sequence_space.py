"""Sequence numbers: 32-bit, wrapping, and the arithmetic every other part uses.

Why a module of its own: the sender, the receiver and the records all turn
sequence numbers into positions in the stream and back, and they must agree
on how the numbers wrap. Real TCP numbers bytes the same way (RFC 9293).
"""

from __future__ import annotations

__all__ = ["SEQ_SPACE", "MAX_DATA", "seq_add", "seq_offset"]

#: Sequence numbers are 32-bit unsigned integers and wrap around (RFC 9293).
SEQ_SPACE = 2**32

#: The toy cannot tell an old byte from a new one beyond half the sequence
#: space (real TCP has the same limit, with timestamps to stretch it).
MAX_DATA = SEQ_SPACE // 2 - 1


def seq_add(seq: int, n: int) -> int:
    """``seq + n`` in 32-bit sequence space."""
    return (seq + n) % SEQ_SPACE


def seq_offset(seq: int, first_seq: int) -> int:
    """How far ``seq`` lies after ``first_seq``, modulo 2**32 (a position in the stream)."""
    return (seq - first_seq) % SEQ_SPACE

"""reader_bench's CountingSocket survives the check's interrupt wherever it lands.

Why: a check stops a runaway reader with an asynchronous exception
(``interrupt.py``), which CPython raises in the reader's thread at whatever
instruction that thread runs next, often inside ``CountingSocket``'s own
bookkeeping. Once it landed inside ``threading.Condition.__enter__``, after
the lock was taken and before the ``with`` block began: the lock stayed held
for ever, and the check's ``release()`` waited on it until pytest's timeout
(seen once in CI). Here the exception is raised at every instruction of the
bookkeeping in turn (``sys.settrace`` with opcode events, a deterministic
stand-in for where the interpreter may deliver it), and each time the check's
side must still finish at once.
"""

from __future__ import annotations

import socket
import sys
import threading

from sockutil.checks.interrupt import StoppedByCheck
from sockutil.checks.reader_bench import CountingSocket

#: Seconds the check's side may take after the reader's thread stopped: it takes microseconds.
PROMPT = 2.0


def _raise_at(opcode_number: int) -> tuple[callable, list[int]]:
    """A trace function that raises StoppedByCheck at the given opcode event of its thread."""
    seen = [0]

    def tracer(frame, event, arg):
        frame.f_trace_opcodes = True
        if event == "opcode":
            seen[0] += 1
            if seen[0] == opcode_number:
                raise StoppedByCheck
        return tracer

    return tracer, seen


def _took_with_an_interrupt_at(sock: CountingSocket, opcode_number: int, check_side) -> bool:
    """The reader's bookkeeping, stopped at that opcode, then ``check_side`` in a thread of its own.

    True if the stop happened in the bookkeeping. The reader's thread lives on until the check's side
    has run, as a stopped reader's thread may: were it gone, a new thread could get its identity and
    so pass for the owner of a lock it left held.
    """
    stopped, tried = threading.Event(), threading.Event()
    tracer, _seen = _raise_at(opcode_number)

    def reader() -> None:
        sys.settrace(tracer)
        try:
            sock._took(4, 4)
        except StoppedByCheck:
            stopped.set()
        finally:
            sys.settrace(None)
        tried.wait(PROMPT * 4)

    thread = threading.Thread(target=reader, name="student-reader")
    thread.start()
    try:
        if not stopped.wait(PROMPT):
            return False
        side = threading.Thread(target=check_side, name="check-side", daemon=True)
        side.start()
        side.join(PROMPT)
        assert not side.is_alive(), (
            f"an interrupt at instruction {opcode_number} of the reader's bookkeeping left "
            f"the check's {check_side.__name__} waiting")
        return True
    finally:
        tried.set()
        thread.join(PROMPT)


def test_an_interrupt_at_any_instruction_of_the_bookkeeping_never_blocks_the_check():
    tried = 0
    for name in ("release", "wait_taken"):
        opcode_number = 0
        while True:
            opcode_number += 1
            with CountingSocket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                def release() -> None:
                    sock.release()

                def wait_taken() -> None:
                    sock.wait_taken(10**9, timeout=0.01)

                if not _took_with_an_interrupt_at(sock, opcode_number, locals()[name]):
                    break   # the bookkeeping ran to its end before this instruction: every one was tried
                tried += 1
    assert tried > 20, "the bookkeeping was traced instruction by instruction"

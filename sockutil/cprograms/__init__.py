"""C programs beside Python: find a compiler, compile, run, and stop what runs in the background.

Why this exists: notebook 10 writes a small C client and server and lets them
talk to Python. The lesson is the C (the calls, the loops, the error
checks) and the compile command, which the notebook builds and prints itself.
What is *not* the lesson is the plumbing around them, and it is easy to get
wrong in a notebook: a compiler that is missing, a compile that hangs, a
compiler's error hidden in a wall of text, a server process left running when
a cell fails or is run again. That plumbing lives here, in three parts:

* ``compiler``: find a C compiler (``$CC``, else ``cc``, ``gcc``, ``clang``;
  none on Windows, whose Winsock differs from the POSIX calls the programs
  use), run a compile command with a timeout, and turn what the compiler said
  into ``Diagnostic`` records and a few lines of words. Where no compiler is
  found, the notebook prints ``SKIPPED``: the same line on every run.
* ``running``: run a program to its end with a timeout (``run_program``),
  in a session of its own, so that on a timeout everything it started is
  stopped with it.
* ``background``: run a server in the background (``start_program``): wait
  for its first line ("port N") with a deadline, and stop it on every path,
  twice, from any thread, replacing the one a re-run cell started under the
  same name.

Nothing here prints and nothing raises for a C mistake: a failed compile or a
crashed program is a value that says what happened, in words. Only the
plumbing's own failures (a program that never became ready) raise
``ProgramError``, with the program's own words in the message.
"""

from __future__ import annotations

from .compiler import (
    COMPILE_TIMEOUT,
    SKIPPED,
    Build,
    Diagnostic,
    build_folder,
    compile_c,
    compiler_status,
    find_compiler,
    parse_diagnostics,
)
from .background import (
    READY_TIMEOUT,
    STOP_TIMEOUT,
    BackgroundProgram,
    ProgramError,
    running_programs,
    start_program,
    stop_all_programs,
)
from .running import RUN_TIMEOUT, Ran, exit_words, run_program

__all__ = [
    "COMPILE_TIMEOUT",
    "READY_TIMEOUT",
    "RUN_TIMEOUT",
    "SKIPPED",
    "STOP_TIMEOUT",
    "BackgroundProgram",
    "Build",
    "Diagnostic",
    "ProgramError",
    "Ran",
    "build_folder",
    "compile_c",
    "compiler_status",
    "exit_words",
    "find_compiler",
    "parse_diagnostics",
    "run_program",
    "running_programs",
    "start_program",
    "stop_all_programs",
]

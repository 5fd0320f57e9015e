"""``python -m sockutil check EXERCISE PROGRAM...``: grade a compiled program from a terminal, no notebook needed.

Why: a course taught in C compiles in a terminal, and wants the verdict
there too (or in a Makefile, or a grading script). This runs the same check
a notebook cell runs, with ``Program(PROGRAM...)`` in place of the function,
prints the same lines, and exits with status 0 if every case passed, 1 if
not, so that a script can tell. The check modules are imported only when the
command runs, so ``python -m sockutil --help`` stays quick.

    cc -o ask ask.c && python -m sockutil check ask ./ask
    python -m sockutil check serve_kv -- java KVServer   # any language: the command after --
"""

from __future__ import annotations

import argparse
import importlib

__all__ = ["EXERCISES", "add_check_command"]

#: Exercise name -> its check, "module:function" under sockutil.checks. The client and server
#: exercises of notebooks 02, 05, 08 and the lab 09: the ones a program can do.
EXERCISES = {
    "ask": "client_server:check_ask",            # 02: ./ask PORT QUESTION, prints the answer
    "serve_n": "server_loop:check_serve_n",      # 02: ./serve_n PORT N, prints HOST PORT LENGTH + bytes
    "drain": "socket_api:check_drain",           # 05: ./drain PORT, prints what it received
    "serve_once": "socket_api:check_serve_once",  # 05: ./serve_once PORT, prints the request
    "serve_upper": "many_clients:check_serve_upper",  # 08: ./serve_upper PORT, until SIGTERM
    "serve_kv": "lab:check_kv_server",           # 09: ./serve_kv PORT IDLE_TIMEOUT, until SIGTERM
}


def add_check_command(commands: argparse._SubParsersAction) -> None:
    """Add ``check`` to the kit's command line (``sockutil.cli``)."""
    check = commands.add_parser(
        "check", help="grade a compiled program (C or any language) with an exercise's self-check",
        description="Run an exercise's self-check against a program instead of a Python function. "
                    "The program gets the port as its first argument (and in SOCKUTIL_PORT), then the "
                    "function's other arguments; see instructors/c-course.md. Exit status 0 if every "
                    "case passed, 1 if not.",
    )
    check.add_argument("exercise", choices=sorted(EXERCISES), help="which exercise's check to run")
    check.add_argument("program", nargs="+", help="the program and any arguments of its own "
                                                 "(e.g. ./ask, or -- java Ask)")
    check.add_argument("--ready-timeout", type=float, default=None, metavar="SECONDS",
                       help="how long a server program may take to listen (default: 5)")
    check.set_defaults(run=_check)


def _check(args: argparse.Namespace) -> int:
    from .program import READY_TIMEOUT, Program

    module, function = EXERCISES[args.exercise].split(":")
    check = getattr(importlib.import_module(f"sockutil.checks.{module}"), function)
    ready = args.ready_timeout if args.ready_timeout and args.ready_timeout > 0 else READY_TIMEOUT
    report = check(Program(args.program, ready_timeout=ready))
    return 0 if report.passed else 1

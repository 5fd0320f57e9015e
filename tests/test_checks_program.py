"""The checks of 02, 05, 08 and the lab 09 take a program too: C programs written for the tests, judged as Python is.

``tests/c_programs/`` holds a right program per exercise (for the lab, the
worked solution run as a Python program: "any language") and wrong ones that
fail the way the Python gallery's do: one recv taken for a message, a loop
that ignores the end of the stream, one client at a time, a socket never
closed, accepting for ever, a stop (SIGTERM) ignored. They are compiled once,
in a temporary folder, by a fixture (skipped without a compiler, failed
without one under CI). Each wrong program must fail with the hint that names
its mistake; a program that hangs, crashes or cannot be found gets a plain
line and a hint, never a traceback; and no process is left behind on any
path, a KeyboardInterrupt included.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import psutil
import pytest

from sockutil import cprograms
from sockutil.checks.client_server import check_ask
from sockutil.checks.lab import check_kv_server
from sockutil.checks.many_clients import check_serve_upper
from sockutil.checks.program import ENV_PORT, Program, ProgramCrashed, ProgramHung, ProgramNotFound
from sockutil.checks.server_loop import ProgramOutput, check_serve_n, parse_records
from sockutil.checks.socket_api import check_drain, check_serve_once

pytestmark = pytest.mark.skipif(os.name == "nt", reason="the test programs use POSIX sockets and signals")

SOURCES = Path(__file__).resolve().parent / "c_programs"

#: Seconds a compile of one small test program may take.
COMPILE_TIMEOUT = 60


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """Every ``tests/c_programs/*.c`` compiled into a temporary folder (in parallel: two cores)."""
    compiler = cprograms.find_compiler()
    if compiler is None:
        if os.environ.get("CI") == "true":
            pytest.fail("no C compiler on PATH (CI installs gcc)")
        pytest.skip("no C compiler (cc, gcc or clang) on PATH")
    folder = tmp_path_factory.mktemp("c_programs")
    jobs = [(source, subprocess.Popen([compiler, "-Wall", "-Werror", "-o", str(folder / source.stem),
                                       str(source)], stderr=subprocess.PIPE))
            for source in sorted(SOURCES.glob("*.c"))]
    failed = []
    for source, job in jobs:
        _, errors = job.communicate(timeout=COMPILE_TIMEOUT)
        if job.returncode != 0:
            failed.append(f"{source.name}: {errors.decode(errors='replace')}")
    assert not failed, "\n".join(failed)
    return folder


@pytest.fixture(autouse=True)
def no_process_left():
    """Every program a check started has been stopped and reaped by the time it returns."""
    yield
    left = psutil.Process().children(recursive=True)
    assert not left, f"processes left behind (running, or zombies never reaped): {left}"


def hints_of(report) -> list[str]:
    return [failure.hint.lower() for failure in report.failures]


def assert_fails_with(report, out: str, words: tuple[str, ...]) -> None:
    assert "Traceback" not in out
    assert not report.passed, f"a wrong program passed:\n{out}"
    words = tuple(word.lower() for word in words)
    assert any(all(word in hint for word in words) for hint in hints_of(report)), (
        f"no hint names the mistake {words}; the check said:\n{out}")


CHECKS = {"ask": check_ask, "serve_n": check_serve_n, "drain": check_drain, "serve_once": check_serve_once,
          "upper": check_serve_upper}

#: (program, check, HINT_WORDS): each wrong program, and the words its hint must hold (as in the gallery).
WRONG = [
    ("ask_waits_for_close", "ask", ("keeps the connection open", "instead of waiting for b''")),
    ("ask_one_recv", "ask", ("whatever has arrived so far", "keep receiving")),
    ("ask_no_newline", "ask", ("end the question with b'\\n'",)),
    ("serve_n_one_recv", "serve_n", ("what has arrived so far", "until it returns b''")),
    ("serve_n_accepts_forever", "serve_n", ("accept exactly n clients",)),
    ("serve_n_ignores_end", "serve_n", ("returned b''", "stop reading")),
    ("serve_n_servers_address", "serve_n", ("server's own address", "second value accept() returns")),
    ("drain_one_recv", "drain", ("one recv() is not the whole message", "until it returns b''")),
    ("drain_ignores_end", "drain", ("stop at the first b''",)),
    ("serve_once_one_recv", "serve_once", ("keep receiving until b''",)),
    ("serve_once_no_conn_timeout", "serve_once", ("accepted socket its own timeout",)),
    ("serve_once_no_listener_timeout", "serve_once", ("listening socket a timeout",)),
    ("serve_once_prints_the_reply", "serve_once", ("return the request as it came",)),
    ("upper_iterative", "upper", ("one client at a time",)),
    ("upper_one_recv", "upper", ("keep receiving",)),
    ("upper_parent_keeps_conn", "upper", ("close each client's socket",)),
    ("upper_ignores_sigterm", "upper", ("stops your program with sigterm",)),
]


@pytest.mark.parametrize("name, check", [("ask_right", "ask"), ("serve_n_right", "serve_n"),
                                         ("drain_right", "drain"), ("serve_once_right", "serve_once"),
                                         ("upper_right", "upper")])
def test_a_right_program_passes_the_same_check_as_a_function(built, name, check, capsys):
    report = CHECKS[check](Program([built / name]))
    out = capsys.readouterr().out
    assert report.passed, out


@pytest.mark.parametrize("name, check, words", WRONG, ids=[w[0] for w in WRONG])
def test_a_wrong_program_fails_with_the_hint_that_names_its_mistake(built, name, check, words, capsys):
    report = CHECKS[check](Program([built / name]))
    assert_fails_with(report, capsys.readouterr().out, words)


def test_the_lab_takes_a_program_in_any_language(capsys):
    """The lab's worked solution, run as a Python program with the port and idle timeout as arguments."""
    report = check_kv_server(Program([sys.executable, SOURCES / "kv_server.py"]))
    assert report.passed, capsys.readouterr().out


# ------------------------------------------------------------ hangs, crashes, missing
def test_a_client_that_crashes_gets_a_plain_line_and_a_hint(built, capsys):
    report = check_ask(Program([built / "crashes"]))
    out = capsys.readouterr().out
    assert_fails_with(report, out, ("your program crashed", "gdb"))
    assert "killed by signal SIGSEGV" in out


def test_a_client_that_hangs_is_stopped_and_waited_for_once(built, capsys):
    report = check_drain(Program([built / "hangs"]))
    out = capsys.readouterr().out
    assert "was still running after" in out and "Traceback" not in out
    assert sum("not tried" in line for line in out.splitlines()) == 3  # one wait, not four
    assert not report.passed


def test_a_server_that_crashes_before_it_listens_gets_one_line(built, capsys):
    report = check_kv_server(Program([built / "crashes"]))
    out = capsys.readouterr().out
    assert_fails_with(report, out, ("your program crashed",))
    assert len(report.results) == 1, out


def test_a_server_that_never_listens_is_stopped(built, capsys):
    report = check_serve_upper(Program([built / "hangs"], ready_timeout=0.5))
    out = capsys.readouterr().out
    assert_fails_with(report, out, ("bind 127.0.0.1 to the port",))
    assert "was not listening on port" in out


def test_a_program_that_is_not_there_is_told_to_compile_first(tmp_path, capsys):
    # One check per way of running a program: a client run to its end (ask), a server started and waited
    # for (serve_n), a one-shot server in a kit thread (serve_once), a server under test (serve_upper).
    for check in (check_ask, check_serve_n, check_serve_once, check_serve_upper):
        report = check(Program([tmp_path / "never_compiled"]))
        assert_fails_with(report, capsys.readouterr().out, ("compile your program first",))


# ------------------------------------------------------------ the convention and the stop
def test_the_port_comes_first_then_the_arguments_and_in_the_environment():
    echo = Program([sys.executable, "-c", f"import os, sys; print(os.environ['{ENV_PORT}'], sys.argv[1:])"])
    assert echo.run(4242, "6 * 7", timeout=30) == b"4242 ['4242', '6 * 7']\n"


def test_run_raises_in_words(built):
    with pytest.raises(ProgramCrashed, match="killed by signal SIGSEGV"):
        Program([built / "crashes"]).run(1, timeout=5)
    with pytest.raises(ProgramHung, match="still running after 0.2 s"):
        Program([built / "hangs"]).run(1, timeout=0.2)
    with pytest.raises(ProgramNotFound, match="no such program"):
        Program([built / "nothing_here"]).run(1, timeout=5)


def test_a_keyboard_interrupt_while_a_client_runs_leaves_no_process(built):
    """The stop button (SIGINT to the kernel) during ``run``: the program is killed and reaped first."""
    program = Program([built / "hangs"])
    me = psutil.Process()
    main = threading.main_thread().ident

    def waiting_for_it() -> bool:
        """The main thread is inside ``communicate``: the program was started and is being waited for."""
        frame = sys._current_frames().get(main)
        while frame is not None:
            if frame.f_code.co_name == "_communicate":
                return True
            frame = frame.f_back
        return False

    def interrupt_once_it_runs() -> None:
        for _ in range(2000):
            if waiting_for_it():
                os.kill(os.getpid(), signal.SIGINT)
                return
            threading.Event().wait(0.005)

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    watcher = threading.Thread(target=interrupt_once_it_runs, name="test-interrupter", daemon=True)
    try:
        watcher.start()
        with pytest.raises(KeyboardInterrupt):
            program.run(1, timeout=30)
    finally:
        watcher.join(10)
        signal.signal(signal.SIGINT, previous)
    assert not me.children()


def test_a_keyboard_interrupt_inside_a_running_server_block_stops_it(built):
    with pytest.raises(KeyboardInterrupt):
        with Program([built / "upper_right"]).start() as running:
            pid = running.process.pid
            assert running.listening()
            raise KeyboardInterrupt
    assert not psutil.pid_exists(pid)  # ended and reaped: not even a zombie


def test_stop_is_safe_twice_and_says_whether_the_program_ended_by_itself(built):
    running = Program([built / "upper_right"]).start()
    try:
        assert running.stop(2.0) is True  # SIGTERM's default action ends it
        assert running.stop(2.0) is True
        assert not running.alive
    finally:
        running.close()


def test_records_of_a_serve_n_program_are_read_exactly():
    assert parse_records(b"127.0.0.1 5000 3\nab\n127.0.0.1 5001 0\n") == {
        ("127.0.0.1", 5000): b"ab\n", ("127.0.0.1", 5001): b""}
    with pytest.raises(ProgramOutput, match="HOST PORT LENGTH"):
        parse_records(b"hello\n")
    with pytest.raises(ProgramOutput, match="announced 5 bytes"):
        parse_records(b"127.0.0.1 5000 5\nab")


def test_the_command_line_grades_a_program_and_says_so_by_its_status(built, capsys):
    from sockutil.cli import main

    assert main(["check", "ask", str(built / "ask_right")]) == 0
    assert "ask: all 5 checks passed." in capsys.readouterr().out
    assert main(["check", "drain", str(built / "drain_one_recv")]) == 1
    assert "one recv() is not the whole message" in capsys.readouterr().out


@pytest.mark.parametrize("check, program", [
    (check_serve_once, ["serve_once_no_listener_timeout"]),
    (check_serve_upper, ["upper_right"]),
    (check_kv_server, [sys.executable, SOURCES / "kv_server.py"]),
], ids=["serve_once", "serve_upper", "serve_kv"])
def test_an_interrupt_in_the_middle_of_a_server_check_leaves_no_process(built, monkeypatch, check, program):
    """The stop button while a case talks to a server program: the program is stopped and reaped."""
    from sockutil.checks import lab, many_clients, socket_api

    running = []

    def interrupted(*args, **kwargs):
        running.extend(psutil.Process().children(recursive=True))
        raise KeyboardInterrupt

    monkeypatch.setattr(socket_api, "_client", interrupted)
    monkeypatch.setattr(many_clients, "_converse", interrupted)
    monkeypatch.setattr(lab, "CASES", [lab.CASES[0]._replace(run=interrupted)])
    with pytest.raises(KeyboardInterrupt):
        check(Program([built / program[0], *program[1:]] if len(program) == 1 else program))
    assert running, "the program was running when the interrupt came"
    assert not psutil.Process().children(recursive=True)

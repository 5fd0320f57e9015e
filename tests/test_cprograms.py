"""sockutil.cprograms: finding a compiler, compiling with a timeout and words, running and stopping programs.

The programs under test here are small Python scripts standing in for C
programs (a server that prints ``port N``, one that ignores its standard
input, one that ignores SIGTERM...), so that these tests need no compiler;
the few that compile real C say so and skip without one (under CI they fail).
Every wait is a bounded one in the code under test; the scripts block on
their standard input or on ``signal.pause()``, never on a timer.
"""

from __future__ import annotations

import os
import signal
import stat
import sys
import textwrap
import threading
from pathlib import Path

import psutil
import pytest

from sockutil import cprograms
from sockutil.cprograms import running as running_module
from sockutil.cprograms.compiler import SHOWN

pytestmark = pytest.mark.skipif(os.name == "nt", reason="the C programs and these scripts are POSIX")


def needs_compiler() -> str:
    compiler = cprograms.find_compiler()
    if compiler is None:
        if os.environ.get("CI") == "true":
            pytest.fail("no C compiler on PATH (CI installs gcc)")
        pytest.skip("no C compiler (cc, gcc or clang) on PATH")
    return compiler


def executable(folder: Path, name: str, text: str = "#!/bin/sh\nexit 0\n") -> Path:
    path = folder / name
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def script(folder: Path, name: str, body: str) -> list[str]:
    """A command running ``body`` (Python) as a program of its own."""
    path = folder / f"{name}.py"
    path.write_text("import os, signal, sys\n" + textwrap.dedent(body))
    return [sys.executable, str(path)]


def gone(pid: int) -> bool:
    """The process has ended: it no longer exists, or is a zombie waiting for its parent to reap it.

    (A grandchild whose parent was killed is reaped by init, or by nobody in a
    container whose first process does not reap: a zombie has ended all the same.)
    """
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


@pytest.fixture(autouse=True)
def no_program_left_running():
    yield
    left = cprograms.running_programs()
    cprograms.stop_all_programs()
    assert not left, f"a test left programs running: {left}"


# ------------------------------------------------------------------ finding a compiler
def test_cc_is_preferred_then_gcc_then_clang(tmp_path):
    for name in ("clang", "gcc", "cc"):
        executable(tmp_path, name)
        assert cprograms.find_compiler({"PATH": str(tmp_path)}, platform="linux") == name


def test_no_compiler_on_an_empty_path():
    assert cprograms.find_compiler({"PATH": ""}, platform="linux") is None


def test_cc_in_the_environment_wins_and_a_wrong_one_is_not_replaced(tmp_path):
    executable(tmp_path, "cc")
    executable(tmp_path, "my-cc")
    assert cprograms.find_compiler({"PATH": str(tmp_path), "CC": "my-cc"}, platform="linux") == "my-cc"
    assert cprograms.find_compiler({"PATH": str(tmp_path), "CC": "no-such-cc"}, platform="linux") is None


def test_windows_has_no_compiler_for_posix_programs_even_with_gcc_on_path(tmp_path):
    executable(tmp_path, "gcc")
    assert cprograms.find_compiler({"PATH": str(tmp_path)}, platform="win32") is None
    assert cprograms.find_compiler({"PATH": str(tmp_path)}, platform="cygwin") == "gcc"


def test_the_status_line_says_which_compiler_or_why_none():
    assert cprograms.compiler_status("cc") == "C compiler: cc"
    missing = cprograms.compiler_status(None, platform="linux")
    assert missing.startswith("No C compiler found") and "The C cells skip" in missing
    windows = cprograms.compiler_status(None, platform="win32")
    assert "POSIX" in windows and "Winsock" in windows and "The C cells skip" in windows
    assert cprograms.compiler_status(None, platform="linux") == missing  # the same on every run


def test_the_build_folder_is_one_temporary_folder_per_process():
    folder = cprograms.build_folder()
    assert folder.is_dir() and folder == cprograms.build_folder()
    assert not folder.is_relative_to(Path(__file__).resolve().parent.parent)


# ------------------------------------------------------------------ reading the compiler
GCC_OUTPUT = """\
greet.c: In function 'greet':
greet.c:9:69: warning: format '%d' expects argument of type 'int', but argument 4 has type 'long unsigned int' [-Wformat=]
    9 |     int length = snprintf(line, sizeof line, "hello from C, client %d\\n", number);
      |                                                                    ~^      ~~~~~~
greet.c:10:5: error: expected ',' or ';' before 'if'
   10 |     if (length < 0)
      |     ^~
"""

CLANG_OUTPUT = """\
greet.c:9:83: error: expected ';' at end of declaration
    int length = snprintf(line, sizeof line, "hello from C, client %lu\\n", number)
                                                                                  ^
                                                                                  ;
1 error generated.
"""

LINKER_OUTPUT = """\
/usr/bin/ld: /tmp/ccQ1x2.o: in function `serve':
server.c:(.text+0x2a5): undefined reference to `greet'
collect2: error: ld returned 1 exit status
"""


def test_gcc_diagnostics_are_read_with_their_place():
    warning, error = cprograms.parse_diagnostics(GCC_OUTPUT)
    assert (warning.file, warning.line, warning.column, warning.kind) == ("greet.c", 9, 69, "warning")
    assert warning.message.startswith("format '%d' expects argument of type 'int'")
    assert error.words() == "greet.c, line 10, column 5: error: expected ',' or ';' before 'if'"
    assert error.is_error and not warning.is_error


def test_clang_diagnostics_read_the_same_way():
    (error,) = cprograms.parse_diagnostics(CLANG_OUTPUT)
    assert error.words() == "greet.c, line 9, column 83: error: expected ';' at end of declaration"


def test_a_linker_error_has_no_line_but_keeps_its_words():
    undefined, collect2 = cprograms.parse_diagnostics(LINKER_OUTPUT)
    assert undefined.words() == "server.c: error: undefined reference to `greet'"
    assert collect2.words() == "collect2: error: ld returned 1 exit status"


def build(returncode, output, **kwargs) -> cprograms.Build:
    return cprograms.Build(("cc", "x.c"), returncode, output,
                           diagnostics=cprograms.parse_diagnostics(output), **kwargs)


def test_explain_sums_up_each_kind_of_result():
    assert build(0, "").explain() == "compiled: no errors, no warnings"
    warned = build(0, GCC_OUTPUT.split("greet.c:10")[0]).explain()
    assert warned.startswith("compiled, with 1 warning:\n  greet.c, line 9, column 69: warning: format")
    failed = build(1, GCC_OUTPUT).explain()
    assert failed.startswith("did not compile (exit status 1): 1 error, 1 warning:\n")
    assert "  greet.c, line 10, column 5: error: expected ',' or ';' before 'if'" in failed.splitlines()
    odd = build(1, "cc1: some message in no known format\n").explain()
    assert odd == "did not compile (exit status 1): 0 errors:\n  cc1: some message in no known format"
    assert build(None, "", timed_out=True, timeout=3).explain() == \
        "the compiler did not finish within 3 s, and was stopped"
    assert build(None, "", missing=True).explain() == "the compiler 'cc' was not found: nothing was compiled"


def test_explain_lists_the_first_diagnostics_and_counts_the_rest():
    output = "".join(f"x.c:{n}:1: error: error number {n}\n" for n in range(1, SHOWN + 4))
    lines = build(1, output).explain().splitlines()
    assert lines[0] == f"did not compile (exit status 1): {SHOWN + 3} errors:"
    assert lines[1:-1] == [f"  x.c, line {n}, column 1: error: error number {n}" for n in range(1, SHOWN + 1)]
    assert lines[-1] == "  ... and 3 more"


# ------------------------------------------------------------------ compiling
def test_a_real_compile_a_real_error_and_a_real_warning(tmp_path):
    compiler = needs_compiler()
    (tmp_path / "good.c").write_text("int main(void)\n{\n    return 0;\n}\n")
    (tmp_path / "bad.c").write_text("int main(void)\n{\n    return 0\n}\n")
    (tmp_path / "warn.c").write_text("int main(void)\n{\n    int unused;\n    return 0;\n}\n")
    flags = ["-std=c11", "-Wall", "-Wextra"]
    good = cprograms.compile_c([compiler, *flags, "-o", "good", "good.c"], cwd=tmp_path)
    assert good.ok and good.explain() == "compiled: no errors, no warnings"
    assert (tmp_path / "good").is_file()
    bad = cprograms.compile_c([compiler, *flags, "-o", "bad", "bad.c"], cwd=tmp_path)
    assert not bad.ok and bad.errors and bad.errors[0].file == "bad.c" and bad.errors[0].line in (3, 4)
    assert "expected ';'" in bad.errors[0].message  # in English and plain quotes: the C locale
    warn = cprograms.compile_c([compiler, *flags, "-o", "warn", "warn.c"], cwd=tmp_path)
    assert warn.ok and [(w.line, "unused" in w.message) for w in warn.warnings] == [(3, True)]


def test_a_missing_compiler_is_reported_not_raised(tmp_path):
    result = cprograms.compile_c(["no-such-compiler-here", "x.c"], cwd=tmp_path)
    assert result.missing and not result.ok and "was not found" in result.explain()


def test_a_compiler_that_hangs_is_stopped_at_the_timeout(tmp_path):
    pid_file = tmp_path / "pid"
    command = script(tmp_path, "stuck_compiler", f"""
        open({str(pid_file)!r}, "w").write(str(os.getpid()))
        signal.pause()   # blocks until a signal: the timeout's kill
    """)
    result = cprograms.compile_c(command, cwd=tmp_path, timeout=0.5)
    assert result.timed_out and not result.ok
    assert result.explain() == "the compiler did not finish within 0.5 s, and was stopped"
    assert gone(int(pid_file.read_text()))



def test_a_compiler_s_own_children_are_stopped_with_it(tmp_path):
    """gcc runs cc1, as and ld as children: a timeout must stop them too, not only the driver."""
    pid_file = tmp_path / "child"
    command = script(tmp_path, "driver", f"""
        import subprocess
        child = subprocess.Popen([sys.executable, "-c", "import signal; signal.pause()"])
        open({str(pid_file)!r}, "w").write(str(child.pid))
        signal.pause()
    """)
    result = cprograms.compile_c(command, cwd=tmp_path, timeout=1.0)
    assert result.timed_out
    assert gone(int(pid_file.read_text())), "the compiler's child outlived the timeout"


def test_a_program_s_children_are_stopped_with_it_at_the_timeout(tmp_path):
    pid_file = tmp_path / "child"
    command = script(tmp_path, "forks", f"""
        import subprocess
        child = subprocess.Popen([sys.executable, "-c", "import signal; signal.pause()"])
        open({str(pid_file)!r}, "w").write(str(child.pid))
        signal.pause()
    """)
    ran = cprograms.run_program(command, timeout=1.0)
    assert ran.timed_out
    assert gone(int(pid_file.read_text())), "the program's child outlived the timeout"


# ------------------------------------------------------------------ running to the end
def test_run_program_passes_input_and_returns_status_output_and_errors(tmp_path):
    command = script(tmp_path, "shout", """
        data = sys.stdin.buffer.read()
        sys.stdout.buffer.write(data.upper())
        sys.stderr.write("done\\n")
        sys.exit(3)
    """)
    ran = cprograms.run_program(command, input=b"abc")
    assert (ran.returncode, ran.stdout, ran.stderr, ran.status) == (3, b"ABC", "done\n", "exit status 3")
    assert not ran.ok


def test_run_program_stops_a_program_at_its_timeout(tmp_path):
    pid_file = tmp_path / "pid"
    command = script(tmp_path, "stuck", f"""
        open({str(pid_file)!r}, "w").write(str(os.getpid()))
        print("partial", flush=True)
        signal.pause()
    """)
    ran = cprograms.run_program(command, timeout=0.5)
    assert ran.timed_out and ran.status == "still running after 0.5 s: stopped"
    assert ran.stdout == b"partial\n"
    assert gone(int(pid_file.read_text()))


def test_a_program_killed_by_a_signal_says_which(tmp_path):
    command = script(tmp_path, "crash", "os.kill(os.getpid(), signal.SIGKILL)\n")
    assert cprograms.run_program(command).status == "killed by signal SIGKILL"
    assert cprograms.exit_words(-11) == "killed by signal SIGSEGV"
    assert cprograms.exit_words(0) == "exit status 0" and cprograms.exit_words(None) == "still running"


def test_a_program_that_is_not_there_is_reported_not_raised(tmp_path):
    ran = cprograms.run_program([tmp_path / "client"])
    assert ran.status == f"could not start {tmp_path / 'client'}: no such program (compile it first)"


# ------------------------------------------------------------------ in the background
SERVER = """
    print("port 4321", flush=True)
    sys.stdin.read()             # until the kit closes our standard input
    print("bye", flush=True)
    sys.stderr.write("stopping\\n")
"""

DEAF = """
    signal.signal(signal.SIGTERM, signal.SIG_IGN) if "--no-term" in sys.argv else None
    print("port 1", flush=True)  # after the handler is set: the test reads this line first
    while True:
        signal.pause()
"""


def test_a_server_is_ready_with_its_port_and_ends_when_its_input_closes(tmp_path):
    program = cprograms.start_program(script(tmp_path, "server", SERVER), name="t-server")
    assert program.port == 4321 and program.running
    assert cprograms.running_programs() == [program]
    assert program.stop() == 0
    assert (program.output, program.errors, program.running) == ("bye\n", "stopping\n", False)
    assert program.stop() == 0  # twice: the same answer
    assert cprograms.running_programs() == []


def test_output_after_the_port_line_is_kept(tmp_path):
    command = script(tmp_path, "chatty", """
        sys.stdout.write("port 7\\nfirst\\n"); sys.stdout.flush()
        sys.stdin.read()
    """)
    with cprograms.start_program(command, name="t-chatty") as program:
        assert program.port == 7
    assert program.output == "first\n"


def test_a_program_deaf_to_its_input_gets_sigterm(tmp_path):
    program = cprograms.start_program(script(tmp_path, "deaf", DEAF), name="t-deaf", stop_timeout=0.2)
    assert program.stop() == -signal.SIGTERM


def test_a_program_deaf_to_sigterm_too_gets_sigkill(tmp_path, monkeypatch):
    monkeypatch.setattr(running_module, "AFTER_TERMINATE", 0.2)
    command = [*script(tmp_path, "deafer", DEAF), "--no-term"]
    program = cprograms.start_program(command, name="t-deafer", stop_timeout=0.2)
    assert program.stop() == -signal.SIGKILL
    assert cprograms.exit_words(program.returncode) == "killed by signal SIGKILL"


def test_a_program_that_ends_before_its_port_line_is_an_error_in_its_own_words(tmp_path):
    command = script(tmp_path, "fails", """
        sys.stderr.write("bind: Address already in use\\n")
        sys.exit(2)
    """)
    with pytest.raises(cprograms.ProgramError) as raised:
        cprograms.start_program(command, name="t-fails")
    assert str(raised.value).endswith("ended (exit status 2) before it printed its port; "
                                      "it said: bind: Address already in use")
    assert cprograms.running_programs() == []


def test_a_program_silent_past_the_deadline_is_stopped_and_reported(tmp_path):
    pid_file = tmp_path / "pid"
    command = script(tmp_path, "silent", f"""
        open({str(pid_file)!r}, "w").write(str(os.getpid()))
        sys.stdin.read()
    """)
    with pytest.raises(cprograms.ProgramError, match=r"printed no first line within 0\.3 s, and was stopped "
                                                     r"\(exit status 0\)"):
        cprograms.start_program(command, name="t-silent", ready_timeout=0.3)
    assert gone(int(pid_file.read_text()))


def test_a_first_line_that_is_not_a_port_is_an_error(tmp_path):
    command = script(tmp_path, "wrong", 'print("hello", flush=True)\nsys.stdin.read()\n')
    with pytest.raises(cprograms.ProgramError, match=r"printed 'hello' where the kit expects 'port N'"):
        cprograms.start_program(command, name="t-wrong")


def test_a_program_that_is_not_there_cannot_start(tmp_path):
    with pytest.raises(cprograms.ProgramError, match="no such program"):
        cprograms.start_program([tmp_path / "server"], name="t-missing")


def test_starting_under_a_name_again_stops_the_old_program(tmp_path):
    command = script(tmp_path, "server", SERVER)
    first = cprograms.start_program(command, name="t-again")
    second = cprograms.start_program(command, name="t-again")
    assert first.returncode == 0 and not first.running and second.running
    assert cprograms.running_programs() == [second]
    other = cprograms.start_program(command, name="t-other")
    cprograms.stop_all_programs()
    assert not second.running and not other.running and cprograms.running_programs() == []


def test_the_with_block_stops_the_program_when_an_exception_leaves_it(tmp_path):
    with pytest.raises(RuntimeError, match="the cell failed"):
        with cprograms.start_program(script(tmp_path, "server", SERVER), name="t-with") as program:
            raise RuntimeError("the cell failed")
    assert program.returncode == 0 and not program.running


def test_two_threads_stopping_at_once_both_get_the_status(tmp_path):
    program = cprograms.start_program(script(tmp_path, "server", SERVER), name="t-race")
    start = threading.Barrier(2)
    results = []

    def stop() -> None:
        start.wait(timeout=5)
        results.append(program.stop())

    threads = [threading.Thread(target=stop) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert results == [0, 0]


def test_an_interrupt_while_stopping_still_kills_the_program(tmp_path):
    program = cprograms.start_program(script(tmp_path, "deaf", DEAF), name="t-interrupted")
    process = program._process
    real_wait = process.wait
    calls = []

    def interrupted_wait(timeout=None):
        calls.append(timeout)
        if len(calls) == 1:
            raise KeyboardInterrupt  # the notebook's stop button, while stop() waits
        return real_wait(timeout)

    process.wait = interrupted_wait
    with pytest.raises(KeyboardInterrupt):
        program.stop()
    assert process.returncode == -signal.SIGKILL and not program.running
    assert program.stop() == -signal.SIGKILL


def test_the_stop_buttons_sigint_to_the_process_group_does_not_reach_the_program(tmp_path):
    program = cprograms.start_program(script(tmp_path, "server", SERVER), name="t-session")
    assert os.getpgid(program._process.pid) != os.getpgid(0)  # a session, and so a group, of its own
    assert program.stop() == 0


def test_a_stopped_program_leaves_no_open_pipe(tmp_path):
    program = cprograms.start_program(script(tmp_path, "server", SERVER), name="t-pipes")
    program.stop()
    process = program._process
    assert process.stdin.closed and process.stdout.closed and program._stderr.closed


def test_every_way_a_program_ends_is_a_status_not_an_exception(tmp_path):
    endings = {"sys.exit(0)": "exit status 0", "sys.exit(1)": "exit status 1",
               "raise SystemExit('boom')": "exit status 1",
               "os.kill(os.getpid(), signal.SIGTERM)": "killed by signal SIGTERM"}
    for body, status in endings.items():
        assert cprograms.run_program(script(tmp_path, "any", body + "\n")).status == status

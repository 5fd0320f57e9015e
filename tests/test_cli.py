"""The command line: real processes for serving and signals, in-process calls for argument errors.

Every process is started through the ``cli`` fixture, which kills it at the
end of the test whatever happened, and every read from it has a deadline.
"""

from __future__ import annotations

import fcntl
import io
import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import termios
import threading
import time

import pytest

from sockutil import cli
from sockutil.clients import connect, recv_exactly, request
from sockutil.errors import PrivilegedPortError
from sockutil.servers import Server
from tests.ipv6_helpers import needs_ipv6

PYTHON_M_SOCKUTIL = [sys.executable, "-m", "sockutil"]
SERVER_LINE = re.compile(r"(\w+) server on (\S+):(\d+); press Ctrl\+C to stop")


class Command:
    """A running ``python -m sockutil ...`` whose output is read line by line, with deadlines."""

    def __init__(self, *args: str, prefix: tuple[str, ...] = ()) -> None:
        self.process = subprocess.Popen(
            [*prefix, *PYTHON_M_SOCKUTIL, *args],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0,
        )
        self._buffer = b""

    def line(self, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                left = deadline - time.monotonic()
                assert left > 0 and selector.select(left), f"no line within {timeout} s: {self._buffer!r}"
                data = os.read(self.process.stdout.fileno(), 65536)
                assert data, f"the command ended; output so far {self._buffer!r}"
                self._buffer += data
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line.decode()

    def server_address(self) -> tuple[str, int]:
        """Read up to the "... server on HOST:PORT" line; return HOST (brackets removed) and PORT."""
        for _ in range(5):
            match = SERVER_LINE.fullmatch(self.line())
            if match:
                return match.group(2).strip("[]"), int(match.group(3))
        raise AssertionError("no 'server on' line")

    def finish(self, timeout: float = 20.0) -> tuple[int, str, str]:
        """Wait for the end; return the status, the rest of stdout, and stderr."""
        out, err = self.process.communicate(timeout=timeout)
        return self.process.returncode, (self._buffer + out).decode(), err.decode()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.communicate(timeout=20)


@pytest.fixture
def cli_command():
    started: list[Command] = []

    def start(*args: str, **options) -> Command:
        command = Command(*args, **options)
        started.append(command)
        return command

    yield start
    for command in started:
        command.kill()


# ------------------------------------------------------------------ serving
def test_serve_runs_a_server_a_client_can_reach(cli_command):
    command = cli_command("serve", "upper", "--seconds", "60")
    assert command.line() == "#1 server listening (upper)"
    host, port = command.server_address()
    assert host == "127.0.0.1"
    assert command.line() == f"try: nc 127.0.0.1 {port}"
    assert request(port, b"hi there") == b"HI THERE"
    assert [command.line() for _ in range(4)] == [
        "#2 c1 opened", "#3 c1 received 8 bytes b'hi there'",
        "#4 c1 sent 8 bytes b'HI THERE'", "#5 c1 closed by peer",
    ]
    command.process.terminate()
    status, rest, err = command.finish()
    assert (status, rest, err) == (0, "#6 server stopped\n", "")


@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP", "SIGINT"])
def test_a_stop_signal_stops_the_server_like_ctrl_c(cli_command, name):
    command = cli_command("serve", "echo")
    command.server_address()
    command.process.send_signal(getattr(signal, name))
    status, rest, err = command.finish()
    assert status == 0
    assert rest.splitlines()[-1].endswith("server stopped")
    assert err == ""  # no traceback, no "interrupted"


@pytest.mark.timeout(60)
def test_ctrl_c_while_the_server_starts_ends_cleanly(monkeypatch, capsys):
    class CtrlCDuringStart(Server):
        def start(self):
            os.kill(os.getpid(), signal.SIGINT)  # the key is pressed now, half-way into start
            return super().start()

    monkeypatch.setattr(cli, "Server", CtrlCDuringStart)
    before = signal.getsignal(signal.SIGINT)
    # No --seconds: only the Ctrl-C can end this; lost, the test would time out.
    assert cli.main(["serve", "echo"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[-1].endswith("server stopped")
    assert err == ""
    assert signal.getsignal(signal.SIGINT) is before  # the command put the handler back


def test_serve_prints_through_a_captured_stream_and_stops_after_seconds(capsys):
    assert cli.main(["serve", "hello", "--seconds", "0.01"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "#1 server listening (hello)" and lines[-1] == "#2 server stopped"
    assert SERVER_LINE.fullmatch(lines[1])


def _unread(pipe) -> int:
    """Bytes written into ``pipe`` and not read yet."""
    unread = bytearray(4)
    fcntl.ioctl(pipe.fileno(), termios.FIONREAD, unread)
    return int.from_bytes(unread, sys.byteorder)


def _fill(write_end: int) -> None:
    """Write into a pipe until not one more byte fits (non-blocking, so it never waits).

    Smaller and smaller pieces: a piece of at most 4096 bytes goes in whole or not
    at all, and a piece too big for the room left in the pipe's last page does not
    go in at all, even when the pipe holds fewer bytes than its size.
    """
    os.set_blocking(write_end, False)
    for piece in (4096, 1024, 256, 64, 16, 4, 1):
        while True:
            try:
                os.write(write_end, b"." * piece)
            except BlockingIOError:
                break


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd") or not hasattr(fcntl, "F_SETPIPE_SZ"),
                    reason="fills the server's stdout pipe through /proc/PID/fd (Linux)")
def test_a_full_stdout_pipe_never_stalls_the_server(cli_command):
    command = cli_command("serve", "echo")
    fcntl.fcntl(command.process.stdout.fileno(), fcntl.F_SETPIPE_SZ, 4096)
    _, port = command.server_address()
    # From here on nobody reads stdout, and the test itself fills the pipe to the brim
    # first, through the server's own stdout: its printer's next write must wait.
    # (Counting on the server's lines to fill it failed: a printer that lags writes its
    # lines in batches, and a batch too big for the room left waits on a pipe that is
    # far from full.)
    with open(f"/proc/{command.process.pid}/fd/1", "wb", buffering=0) as stdout_of_server:
        _fill(stdout_of_server.fileno())
    capacity = fcntl.fcntl(command.process.stdout.fileno(), fcntl.F_GETPIPE_SZ)
    assert _unread(command.process.stdout) == capacity  # the pipe really is full
    with connect(port) as sock:
        for _ in range(400):  # each exchange queues two event lines that cannot be written
            sock.sendall(b"0123456789")
            assert recv_exactly(sock, 10) == b"0123456789"  # 5 s timeout: a stalled server fails here
    assert request(port, b"still there") == b"still there"  # a new connection is accepted too
    assert _unread(command.process.stdout) == capacity  # still full: nothing was read meanwhile
    command.process.terminate()
    status, _, err = command.finish(timeout=30)  # exits although its output is never read
    assert status == 0 and err == ""


def test_the_printer_drops_lines_it_cannot_queue_and_says_how_many():
    entered, release = threading.Event(), threading.Event()

    class SlowTerminal(io.StringIO):  # no file descriptor: the printer calls write()
        def write(self, text):
            entered.set()
            assert release.wait(10)
            return super().write(text)

    terminal = SlowTerminal()
    printer = cli._Printer(terminal, max_queued=2)
    printer.say("a")
    assert entered.wait(10)  # the printer is stuck writing "a"; the caller is not
    for line in "bcde":
        printer.say(line)  # b and c wait in the queue, d and e are dropped
    release.set()
    assert printer.close(10)
    assert terminal.getvalue() == "a\nb\nc\n(2 lines not shown: the output was not read fast enough)\n"


def test_the_printer_survives_a_reader_that_went_away():
    read_end, write_end = os.pipe()
    os.close(read_end)
    with open(write_end, "w") as stream:
        printer = cli._Printer(stream)
        printer.say("nobody hears this")  # EPIPE: dropped quietly, the printer goes on
        printer.say("nor this")
        assert printer.close(10)


@needs_ipv6
@pytest.mark.parametrize("host", ["::1", "[::1]"])
def test_ipv6_addresses_are_shown_in_brackets(cli_command, host):
    command = cli_command("serve", "echo", "--host", host, "--seconds", "60")
    command.line()
    line = command.line()
    assert re.fullmatch(r"echo server on \[::1\]:\d+; press Ctrl\+C to stop", line)
    port = int(line.split("]:")[1].split(";")[0])
    assert command.line() == f"try: nc ::1 {port}"
    assert request(port, b"six", host="::1") == b"six"


def _unshare_works() -> bool:
    try:
        return subprocess.run(["unshare", "-rn", "true"], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


@pytest.mark.parametrize("host", ["0.0.0.0", "::", ""])
def test_listening_beyond_loopback_prints_a_warning(cli_command, host):
    # Run in a network namespace of its own (only a loopback interface, and
    # that one down): the wildcard address reaches no other machine.
    if not _unshare_works():
        pytest.skip("needs 'unshare -rn' (util-linux, and user namespaces) to stay off the network")
    command = cli_command("serve", "echo", "--host", host, "--seconds", "0.01", prefix=("unshare", "-rn"))
    status, out, err = command.finish()
    assert status == 0, err
    assert "warning: listening on every network interface of this machine: other machines can now connect" in err
    assert "try: nc ::1 " in out if host == "::" else "try: nc 127.0.0.1 " in out


def test_the_warning_is_printed_when_the_server_is_reachable_from_outside(monkeypatch, capsys):
    # Loopback only in tests: this server listens on 127.0.0.1 but reports
    # the wildcard address, which is all the command looks at.
    class SeemsOpenToAll(Server):
        @property
        def address(self):
            return "0.0.0.0", super().address[1]

    monkeypatch.setattr(cli, "Server", SeemsOpenToAll)
    assert cli.main(["serve", "chat", "--seconds", "0.01"]) == 0
    out, err = capsys.readouterr()
    assert err == (
        "warning: listening on every network interface of this machine: other machines can now "
        "connect to this server. Use --host 127.0.0.1 to keep it to this machine.\n"
    )
    port = int(out.splitlines()[1].split(":")[1].split(";")[0])
    assert out.splitlines()[1] == f"chat server on 0.0.0.0:{port}; press Ctrl+C to stop"
    assert out.splitlines()[2] == f"try: nc 127.0.0.1 {port}   (in two or more terminals, then type)"


def test_exposure_warning_names_what_is_exposed():
    assert cli.exposure_warning("127.0.0.1") is None
    assert cli.exposure_warning("127.0.0.2") is None
    assert cli.exposure_warning("::1") is None
    assert cli.exposure_warning("::ffff:127.0.0.1") is None
    assert "every network interface" in cli.exposure_warning("0.0.0.0")
    assert "every network interface" in cli.exposure_warning("::")
    assert "192.168.1.5, a network address" in cli.exposure_warning("192.168.1.5")


def test_show_address_brackets_ipv6():
    assert cli.show_address("::1", 4444) == "[::1]:4444"
    assert cli.show_address("[::1]", 4444) == "[::1]:4444"  # never twice
    assert cli.show_address("127.0.0.1", 4444) == "127.0.0.1:4444"


@needs_ipv6
@pytest.mark.parametrize("host", ["::1", "[::1]"])
def test_send_reaches_an_ipv6_server_written_with_or_without_brackets(capsysbinary, host):
    with Server("upper", host="::1") as server:
        assert cli.main(["send", host, str(server.port), "six"]) == 0
    assert capsysbinary.readouterr().out == b"SIX\n"


@needs_ipv6
def test_send_names_an_ipv6_address_in_brackets_when_refused(capsys):
    with socket.socket(socket.AF_INET6) as unused:  # bound, not listening: refused, and nobody can take it
        unused.bind(("::1", 0))
        port = unused.getsockname()[1]
        assert cli.main(["send", "::1", str(port), "hi"]) == 1
    assert f"error: nothing is listening on [::1]:{port} (connection refused)" in capsys.readouterr().err


def test_resolve_takes_an_ipv6_address_in_brackets(capsys):
    # A literal address is not looked up anywhere: the answer is the same on every machine with IPv6 in Python.
    if not socket.has_ipv6:
        pytest.skip("this Python was built without IPv6")
    assert cli.main(["resolve", "[::1]"]) == 0
    assert capsys.readouterr().out == "::1\n"


# ------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    "args, words",
    [
        (["serve", "echo", "--port", "70000"], "argument --port: '70000' is not a port"),
        (["serve", "echo", "--port", "-1"], "argument --port: '-1' is not a port"),
        (["serve", "echo", "--port", "http"], "argument --port: 'http' is not a port"),
        (["serve", "echo", "--seconds", "0"], "argument --seconds: '0' is not a duration"),
        (["serve", "echo", "--seconds", "-5"], "argument --seconds: '-5' is not a duration"),
        (["serve", "echo", "--seconds", "nan"], "argument --seconds: 'nan' is not a duration"),
        (["serve", "echo", "--seconds", "inf"], "argument --seconds: 'inf' is not a duration"),
        (["serve", "bogus"], "argument handler: invalid choice: 'bogus'"),
        (["send", "127.0.0.1", "0", "x"], "argument port: '0' is not a port: use a whole number from 1"),
        (["send", "[::1", "80", "x"], "argument host: '[::1' is not an address: brackets go around"),
        (["serve", "echo", "--host", "::1]"], "argument --host: '::1]' is not an address"),
    ],
)
def test_bad_arguments_are_argparse_errors(capsys, args, words):
    with pytest.raises(SystemExit) as info:
        cli.main(args)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: python -m sockutil") and words in err


def test_a_bad_port_ends_without_a_traceback_in_a_real_process():
    result = subprocess.run([*PYTHON_M_SOCKUTIL, "serve", "echo", "--port", "99999"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "argument --port: '99999' is not a port" in result.stderr


def test_an_unknown_host_gets_the_kits_resolution_message(capsys):
    assert cli.main(["serve", "echo", "--host", "nonexistent.invalid"]) == 1
    err = capsys.readouterr().err
    assert err == ("error: cannot resolve 'nonexistent.invalid': the name has no address "
                   "(check the spelling, or use an IP address such as 127.0.0.1)\n")


def test_an_address_of_another_machine_is_explained(capsys):
    # 192.0.2.1 is reserved for documentation (RFC 5737): never this machine's.
    assert cli.main(["serve", "echo", "--host", "192.0.2.1"]) == 1
    assert capsys.readouterr().err == (
        "error: cannot listen on 192.0.2.1: it is not an address of this machine. "
        "Use --host 127.0.0.1, or one of this machine's own addresses.\n"
    )


def test_a_privileged_port_is_explained_in_command_line_words():
    # CI runs as root, where port 80 binds: the wording is checked directly.
    text = cli._listen_error(PrivilegedPortError("127.0.0.1", 80), "127.0.0.1", 80)
    assert text == ("listening on port 80 was refused: on this system ports this low need "
                    "extra privileges. Use --port 1024 or above, or --port 0.")


def test_a_port_in_use_is_explained_in_command_line_words(capsys):
    with Server("echo", name="holder") as holder:
        assert cli.main(["serve", "echo", "--port", str(holder.port)]) == 1
    err = capsys.readouterr().err
    assert f"error: 127.0.0.1:{holder.port} is already in use" in err
    assert "--port 0" in err
    assert "port=0" not in err and "cell" not in err


# ------------------------------------------------------------ send, resolve
def test_send_prints_what_comes_back(capsysbinary):
    with Server("upper") as server:
        assert cli.main(["send", "127.0.0.1", str(server.port), "hello, café"]) == 0
        assert capsysbinary.readouterr().out == "HELLO, CAFé\n".encode()  # bytes.upper(): ASCII only
        assert cli.main(["send", "127.0.0.1", str(server.port), "no newline", "--no-newline"]) == 0
        assert capsysbinary.readouterr().out == b"NO NEWLINE\n"  # the newline is only for the prompt
        server.wait_idle()
        assert server.summary()["c2"].received == len(b"no newline")


def test_send_to_a_greeter_that_speaks_first(capsysbinary):
    with Server("hello") as server:
        assert cli.main(["send", "127.0.0.1", str(server.port), "hi"]) == 0
    assert capsysbinary.readouterr().out == b"Hello, world!\n"


def test_send_says_when_nothing_listens(capsys):
    with socket.socket() as unused:  # bound, not listening: connecting is refused, and nobody can take it
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
        assert cli.main(["send", "127.0.0.1", str(port), "hi"]) == 1
    err = capsys.readouterr().err
    assert f"error: nothing is listening on 127.0.0.1:{port} (connection refused)" in err
    assert f"python -m sockutil serve echo --port {port}" in err


def test_send_keeps_what_arrived_when_the_server_never_closes(capsysbinary):
    def answers_then_stays(conn):
        conn.sendall(b"partial answer")
        conn.sleep(30)  # ended at once by the server's stop

    with Server(answers_then_stays) as server:
        assert cli.main(["send", "127.0.0.1", str(server.port), "hi", "--timeout", "0.2"]) == 1
    captured = capsysbinary.readouterr()
    assert captured.out == b"partial answer\n"
    assert b"--timeout 0.2 s" in captured.err


def test_send_to_an_unknown_host(capsys):
    assert cli.main(["send", "nonexistent.invalid", "80", "hi"]) == 1
    assert "error: cannot resolve 'nonexistent.invalid'" in capsys.readouterr().err


def test_resolve_prints_addresses_and_fails_clearly():
    ok = subprocess.run([*PYTHON_M_SOCKUTIL, "resolve", "127.0.0.1"],
                        capture_output=True, text=True, timeout=30)
    assert ok.returncode == 0 and ok.stdout.strip() == "127.0.0.1"
    bad = subprocess.run([*PYTHON_M_SOCKUTIL, "resolve", "nonexistent.invalid"],
                         capture_output=True, text=True, timeout=30)
    assert bad.returncode == 1 and "cannot resolve 'nonexistent.invalid'" in bad.stderr


def test_main_module_turns_an_early_ctrl_c_into_a_quiet_exit(monkeypatch, capsys):
    from sockutil import __main__ as entry

    def interrupted(argv=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "main", interrupted)
    assert entry.run() == 130
    assert capsys.readouterr().err == "interrupted\n"


"""Real peers: OpenBSD netcat and curl against every ready-made handler, the chat and the command line.

These are the programs a student types in a terminal, and they behave
differently from Python's socket calls: ``nc`` sends what it reads at once,
with bare LF line endings (no ``-C``), and ``-N`` closes its sending side at
the end of its input; curl speaks first and reads after.

Locally a missing tool skips these tests with install advice; under CI
(``CI=true``) a missing tool fails them: ``.ci/run`` installs both.
Everything runs on loopback, every process has a time limit, and every
process is killed at the end of its test whatever happened.
"""

from __future__ import annotations

import functools
import os
import selectors
import shutil
import subprocess
import sys
import time

import pytest

from sockutil.handlers import CHUNKY_MESSAGE, HELLO_MESSAGE
from sockutil.servers import Server

#: Seconds any one tool run may take; loopback needs milliseconds.
TOOL_TIMEOUT = 30


def require(tool: str, package: str) -> str:
    """The tool's path; skip (or fail under CI) with install advice if it is missing."""
    path = shutil.which(tool)
    if path is None:
        advice = f"{tool} is not installed: on Debian or Ubuntu, sudo apt-get install {package}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{advice} (.ci/run installs it; CI must not skip this test)")
        pytest.skip(advice)
    return path


@functools.lru_cache(maxsize=None)
def _nc_is_openbsd(path: str) -> bool:
    result = subprocess.run([path, "-h"], capture_output=True, text=True, timeout=TOOL_TIMEOUT)
    return "OpenBSD netcat" in result.stdout + result.stderr


def netcat() -> str:
    path = require("nc", "netcat-openbsd")
    if not _nc_is_openbsd(path):
        advice = "this nc is not OpenBSD netcat, whose options (-N) these tests use: install netcat-openbsd"
        if os.environ.get("CI") == "true":
            pytest.fail(advice)
        pytest.skip(advice)
    return path


def nc_exchange(port: int, data: bytes) -> bytes:
    """``printf DATA | nc -N 127.0.0.1 PORT``: send, close the sending side, print all that comes back."""
    result = subprocess.run(
        [netcat(), "-N", "-w", "10", "127.0.0.1", str(port)],
        input=data, capture_output=True, timeout=TOOL_TIMEOUT,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def curl(*args: str) -> bytes:
    result = subprocess.run(
        [require("curl", "curl"), "--silent", "--show-error", "--noproxy", "*", "--max-time", "10", *args],
        capture_output=True, timeout=TOOL_TIMEOUT,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


class LineProcess:
    """A process talked to through pipes, its output read line by line with deadlines."""

    def __init__(self, argv: list[str]) -> None:
        self.process = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0
        )
        self._buffer = b""

    def line(self, timeout: float = 20.0) -> bytes:
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                left = deadline - time.monotonic()
                assert left > 0 and selector.select(left), f"no line within {timeout} s: {self._buffer!r}"
                data = os.read(self.process.stdout.fileno(), 65536)
                assert data, f"the output ended; so far {self._buffer!r}"
                self._buffer += data
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line

    def type(self, text: bytes) -> None:
        self.process.stdin.write(text)

    def end_input(self) -> None:
        self.process.stdin.close()

    def finish(self, timeout: float = 20.0) -> tuple[int, bytes]:
        """Read both outputs to their end and wait for the exit; return the status and the rest of stdout."""
        deadline = time.monotonic() + timeout
        rest = {self.process.stdout: self._buffer, self.process.stderr: b""}
        with selectors.DefaultSelector() as selector:
            for stream in rest:
                selector.register(stream, selectors.EVENT_READ)
            while selector.get_map():
                left = deadline - time.monotonic()
                assert left > 0, f"still running after {timeout} s; output so far {rest}"
                for key, _ in selector.select(left):
                    data = os.read(key.fileobj.fileno(), 65536)
                    if data:
                        rest[key.fileobj] += data
                    else:
                        selector.unregister(key.fileobj)
        status = self.process.wait(max(0.0, deadline - time.monotonic()))
        self.stderr = rest[self.process.stderr]
        self._buffer = b""
        return status, rest[self.process.stdout]

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(20)
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if not stream.closed:
                try:
                    stream.close()
                except BrokenPipeError:  # stdin with bytes the process never read
                    pass


@pytest.fixture
def spawn():
    """Start processes; each is killed at the end of the test, whatever happened."""
    started: list[LineProcess] = []

    def start(argv: list[str]) -> LineProcess:
        started.append(LineProcess(argv))
        return started[-1]

    yield start
    for process in started:
        process.kill()


# ---------------------------------------------------------------- nc, one shot
def test_nc_echo_and_upper():
    with Server("echo") as echo, Server("upper") as upper:
        assert nc_exchange(echo.port, b"hello\nworld\n") == b"hello\nworld\n"
        assert nc_exchange(upper.port, b"hello\nworld\n") == b"HELLO\nWORLD\n"


def test_nc_that_speaks_first_still_gets_the_whole_greeting():
    # Before hello hung up cleanly, nc lost the greeting to a reset several times in 20.
    with Server("hello") as server:
        replies = [nc_exchange(server.port, b"hi\n") for _ in range(10)]
    assert replies == [HELLO_MESSAGE] * 10


def test_nc_that_speaks_first_still_gets_every_chunky_piece():
    with Server("chunky") as server:
        replies = [nc_exchange(server.port, b"hi\n") for _ in range(3)]
    assert replies == [CHUNKY_MESSAGE] * 3


@pytest.mark.parametrize(
    "request_line",
    [b"GET /caf%C3%A9 HTTP/1.0", "GET /café HTTP/1.0".encode()],  # percent-encoded, or typed
    ids=["percent-encoded", "typed-utf-8"],
)
def test_nc_gets_an_http_answer_with_bare_lf_line_endings(request_line):
    with Server("http") as server:
        reply = nc_exchange(server.port, request_line + b"\nHost: x\n\n")  # no -C: LF only
    assert reply.startswith(b"HTTP/1.1 200 OK\r\n")
    assert reply.endswith("You asked for /café\n".encode())


# ------------------------------------------------------------------ curl
def test_curl_gets_the_http_page_with_the_path_decoded():
    with Server("http") as server:
        assert curl(f"{server.url}café") == "Hello from sockutil! You asked for /café\n".encode()
        assert curl(f"{server.url}caf%C3%A9?x=1") == "Hello from sockutil! You asked for /café?x=1\n".encode()
        head = curl("--head", server.url)
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"Content-Type: text/plain; charset=utf-8\r\n" in head


def test_curl_as_a_browser_gets_html_with_the_path_escaped():
    with Server("http") as server:
        page = curl("--header", "Accept: text/html", f"{server.url}%3Cb%3Ecaf%C3%A9").decode()
    assert "<code>/&lt;b&gt;café</code>" in page and "<b>" not in page


@pytest.mark.parametrize("handler, expected", [("hello", HELLO_MESSAGE), ("chunky", CHUNKY_MESSAGE)])
def test_curl_that_speaks_first_gets_the_greeters_whole_reply(handler, expected):
    # curl sends its request and only then reads: the case that used to end in RST.
    with Server(handler) as server:
        assert curl("--http0.9", server.url) == expected


# ------------------------------------------------------------------ chat
def test_nc_sessions_talk_to_each_other_through_chat(spawn):
    nc = netcat()
    with Server("chat") as server:
        alice = spawn([nc, "-N", "-w", "20", "127.0.0.1", str(server.port)])
        assert alice.line().startswith(b"* welcome, you are c1; nobody else is here yet")
        bob = spawn([nc, "-N", "-w", "20", "127.0.0.1", str(server.port)])
        assert bob.line().startswith(b"* welcome, you are c2; 1 other person is here")
        assert alice.line() == b"* c2 joined"
        alice.type(b"hello from alice\n")
        assert bob.line() == b"c1: hello from alice"
        bob.type(b"hi alice\n")
        assert alice.line() == b"c2: hi alice"
        alice.end_input()  # nc -N: closes its sending side; the chat lets alice go
        assert bob.line() == b"* c1 left"
        assert alice.finish() == (0, b"")  # nothing came back to alice but the others' lines
        bob.end_input()
        assert bob.finish() == (0, b"")


def test_the_command_line_chat_with_nc(spawn):
    nc = netcat()
    server = spawn([sys.executable, "-m", "sockutil", "serve", "chat", "--seconds", "120"])
    assert server.line() == b"#1 server listening (chat)"
    port = int(server.line().split(b":")[1].split(b";")[0])
    assert server.line() == f"try: nc 127.0.0.1 {port}   (in two or more terminals, then type)".encode()
    first = spawn([nc, "-N", "-w", "20", "127.0.0.1", str(port)])
    assert first.line().startswith(b"* welcome, you are c1")
    second = spawn([nc, "-N", "-w", "20", "127.0.0.1", str(port)])
    assert second.line().startswith(b"* welcome, you are c2")
    assert first.line() == b"* c2 joined"
    second.type("ça va ?\n".encode())
    assert first.line() == "c2: ça va ?".encode()
    first.end_input()
    second.end_input()
    assert first.finish()[0] == second.finish()[0] == 0
    server.process.terminate()
    status, out = server.finish()
    assert status == 0 and out.splitlines()[-1].endswith(b"server stopped")
    assert server.stderr == b""
    assert b"c1 received 11 bytes" not in out  # the line came from c2
    assert "c2 received 9 bytes b'\\xc3\\xa7a va ?\\n'".encode() in out


def test_a_missing_tool_skips_locally_and_fails_under_ci(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="sudo apt-get install netcat-openbsd"):
        netcat()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must not skip"):
        curl("http://127.0.0.1:1/")

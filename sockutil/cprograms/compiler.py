"""Find a C compiler, run a compile command with a timeout, and say what the compiler said in words.

Which compiler: ``$CC`` if it is set (the variable every build tool reads),
else the first of ``cc``, ``gcc`` and ``clang`` on ``PATH``. ``cc`` comes
first because it is the system's own choice: gcc on Debian and Ubuntu
(Binder's image, ``buildpack-deps``, ships gcc and libc6-dev), clang on
macOS. On Windows there is none for these programs, even where a MinGW gcc is
on ``PATH``: they use the POSIX socket calls and headers, and Windows' own
sockets (Winsock) need others (``WSAStartup``, ``closesocket``,
``<winsock2.h>``). Whatever is found, the answer and its sentence are the
same on every run, so a notebook's output does not change between runs.

The compile command is built and printed by the notebook itself (the kit
never hides the call being taught); ``compile_c`` only runs it: with a
timeout, standard input closed, and the C locale (``LC_ALL=C``), so that the
compiler writes English with ASCII quotes whatever the machine's language.
Its output is parsed into ``Diagnostic`` records (``file:line:column: kind:
message``, the format gcc and clang share), and ``Build.explain()`` turns
them into a few lines: "greet.c, line 8, column 5: error: expected ';'
before 'return'". A linker error has no line, and is kept with its tool's
name ("undefined reference to `greet'").
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

from .running import run_in_session

__all__ = [
    "CANDIDATES",
    "COMPILE_TIMEOUT",
    "SKIPPED",
    "Build",
    "Diagnostic",
    "build_folder",
    "compile_c",
    "compiler_status",
    "find_compiler",
    "parse_diagnostics",
]

#: Looked for on PATH in this order when $CC is not set: the system's choice first.
CANDIDATES = ("cc", "gcc", "clang")

#: Seconds a compile may take. The kit's programs compile in well under a
#: second; a minute covers a loaded machine, and a compiler stuck for longer
#: (a licence server, a network file system) is stopped rather than waited for.
COMPILE_TIMEOUT = 60.0

#: Diagnostics ``explain`` lists before it says how many more there are: the
#: first errors are the ones to fix, later ones often follow from them.
SHOWN = 8

#: What every C cell prints instead of its work when no compiler was found.
SKIPPED = "skipped: no C compiler (see the first cell under 'A C compiler')"

_POSIX_ONLY = (
    "No C compiler for these programs here: they use the POSIX socket calls (Linux, macOS, "
    "WSL), and Windows' own sockets (Winsock) need other headers and calls. The C cells skip."
)
_NOT_FOUND = (
    "No C compiler found (looked for $CC, then cc, gcc and clang on PATH). The C cells skip. "
    "To install one: on Debian or Ubuntu, sudo apt-get install gcc libc6-dev; "
    "on macOS, xcode-select --install."
)


def _is_windows(platform: str) -> bool:
    """Windows' own Python (``sys.platform`` "win32"); Cygwin and WSL are POSIX and compile these programs."""
    return platform == "win32"


def find_compiler(environ: Mapping[str, str] | None = None, platform: str | None = None) -> str | None:
    """The C compiler to run (the name to put first in the command), or None.

    ``$CC`` wins when it is set: it names the user's choice, and a wrong one
    is reported as missing rather than silently replaced. ``environ`` and
    ``platform`` default to this process's (tests pass others).
    """
    env = os.environ if environ is None else environ
    if _is_windows(sys.platform if platform is None else platform):
        return None
    path = env.get("PATH", os.defpath)
    chosen = env.get("CC", "").strip()
    names = (chosen,) if chosen else CANDIDATES
    for name in names:
        if shutil.which(name, path=path):
            return name
    return None


def compiler_status(compiler: str | None, platform: str | None = None) -> str:
    """One sentence for the notebook: which compiler, or why there is none and what the C cells do."""
    if compiler is not None:
        return f"C compiler: {compiler}"
    return _POSIX_ONLY if _is_windows(sys.platform if platform is None else platform) else _NOT_FOUND


# Kept across importlib.reload, so that a reload does not leave a second folder behind.
_folder_lock: threading.Lock = globals().get("_folder_lock") or threading.Lock()
_folder: Path | None = globals().get("_folder")


def build_folder() -> Path:
    """A temporary folder for this process's C sources and programs, removed when the process ends.

    The same folder on every call, so a re-run cell overwrites its own files;
    it lives outside the repository, so nothing built is ever committed, and
    it works where the notebooks' folder is read-only (a shared hub).
    """
    global _folder
    with _folder_lock:
        if _folder is None or not _folder.is_dir():
            _folder = Path(tempfile.mkdtemp(prefix="sockutil-c-"))
            atexit.register(shutil.rmtree, _folder, ignore_errors=True)
        return _folder


# ------------------------------------------------------------------ diagnostics
@dataclass(frozen=True)
class Diagnostic:
    """One message of the compiler's: where (file, line, column; no line for a linker's), what kind, what."""

    file: str
    line: int | None
    column: int | None
    kind: str  # "error", "fatal error", "warning" or "note"
    message: str

    @property
    def is_error(self) -> bool:
        return self.kind in ("error", "fatal error")

    def words(self) -> str:
        if self.line is None:
            return f"{self.file}: {self.kind}: {self.message}"
        where = f"{self.file}, line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.kind}: {self.message}"


#: gcc's and clang's shared format: "greet.c:8:5: error: expected ';' before 'return'".
_AT_LINE = re.compile(
    r"^(?P<file>[^:\n]+):(?P<line>\d+):(?:(?P<column>\d+):)? (?P<kind>fatal error|error|warning|note): "
    r"(?P<message>.*)$", re.M)
#: The GNU linker's: "server.c:(.text+0x2a5): undefined reference to `greet'".
_LINKER = re.compile(r"^(?P<file>[^:\n]+):\([^)\n]*\): (?P<message>undefined reference to .*)$", re.M)
#: A tool's own error with no place: "collect2: error: ld returned 1 exit status".
_TOOL = re.compile(r"^(?P<file>[\w.+-]+): (?P<kind>fatal error|error): (?P<message>.*)$", re.M)


def parse_diagnostics(text: str) -> list[Diagnostic]:
    """The diagnostics in a compiler's output, in order; source excerpts and carets are left out."""
    found: list[tuple[int, Diagnostic]] = []
    taken: set[int] = set()
    for match in _AT_LINE.finditer(text):
        column = match.group("column")
        found.append((match.start(), Diagnostic(
            match.group("file"), int(match.group("line")), int(column) if column else None,
            match.group("kind"), match.group("message").strip())))
        taken.add(match.start())
    for match in _LINKER.finditer(text):
        found.append((match.start(), Diagnostic(match.group("file"), None, None, "error",
                                                match.group("message").strip())))
        taken.add(match.start())
    for match in _TOOL.finditer(text):
        if match.start() not in taken:
            found.append((match.start(), Diagnostic(match.group("file"), None, None, match.group("kind"),
                                                    match.group("message").strip())))
    return [diagnostic for _, diagnostic in sorted(found, key=lambda pair: pair[0])]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


@dataclass(frozen=True)
class Build:
    """What a compile did: its command, exit status and output, and that output read as diagnostics."""

    command: tuple[str, ...]
    returncode: int | None
    output: str
    timed_out: bool = False
    missing: bool = False
    timeout: float = COMPILE_TIMEOUT
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """The program was built (warnings or not)."""
        return self.returncode == 0 and not self.timed_out and not self.missing

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.kind == "warning"]

    def explain(self) -> str:
        """The compile's result in a few lines: "compiled: no errors, no warnings", or what to fix."""
        if self.missing:
            return f"the compiler {self.command[0]!r} was not found: nothing was compiled"
        if self.timed_out:
            return f"the compiler did not finish within {self.timeout:g} s, and was stopped"
        warnings = self.warnings
        if self.ok:
            if not warnings:
                return "compiled: no errors, no warnings"
            return f"compiled, with {_plural(len(warnings), 'warning')}:\n" + self._listed(warnings)
        errors = self.errors
        head = f"did not compile (exit status {self.returncode}): {_plural(len(errors), 'error')}"
        if warnings:
            head += f", {_plural(len(warnings), 'warning')}"
        shown = [d for d in self.diagnostics if d.kind != "note"]
        if not shown:  # nothing in the usual format: show what it said
            lines = [line for line in self.output.splitlines() if line.strip()][:SHOWN]
            return head + ":\n" + "\n".join(f"  {line}" for line in lines)
        return head + ":\n" + self._listed(shown)

    @staticmethod
    def _listed(diagnostics: list[Diagnostic]) -> str:
        lines = [f"  {d.words()}" for d in diagnostics[:SHOWN]]
        if len(diagnostics) > SHOWN:
            lines.append(f"  ... and {len(diagnostics) - SHOWN} more")
        return "\n".join(lines)


def compile_c(command: Sequence[str | os.PathLike], *, cwd: str | os.PathLike | None = None,
              timeout: float = COMPILE_TIMEOUT) -> Build:
    """Run ``command`` (a compiler and its arguments) in ``cwd``; never raises for a failed compile.

    The compiler gets the C locale, so its messages read the same on every
    machine, and no standard input. A compile that outlives ``timeout`` is
    killed with the programs it started (cc1, as, ld: ``running.run_in_session``)
    and reported as ``timed_out``.
    """
    argv = tuple(os.fspath(part) for part in command)
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    try:
        done = run_in_session(argv, cwd=cwd, env=env, timeout=timeout)
    except (FileNotFoundError, PermissionError):
        return Build(argv, None, "", missing=True, timeout=timeout)
    output = (done.stderr + done.stdout).decode("utf-8", errors="replace")
    if done.timed_out:
        return Build(argv, None, output, timed_out=True, timeout=timeout)
    return Build(argv, done.returncode, output, timeout=timeout, diagnostics=parse_diagnostics(output))

"""Stop the README's install command early, with one clear message, on a Python that is too old.

Why: the kit's pinned packages (matplotlib 3.11, IPython 9, ipykernel 7) need
Python 3.11 or newer. On Python 3.10, ``pip install -r requirements.txt``
fails with a resolver error about matplotlib that names neither the cause nor
the cure, and pip reports the kit's own ``requires-python`` only after the
resolver has given up (checked here with pip 23.0.1 and 26.3, ``-e .`` first
or last: the matplotlib error wins every time). So the README's first command
runs this script before creating the virtual environment; on an old Python it
says what to install, names any newer Python it finds on this machine, and
exits with status 1, so ``&&`` stops the command before anything is created.

This file must itself run on old Pythons, to say that they are old: it
uses no f-strings and no annotations, only what Python 2.7 and 3.x all parse.

    python3 tools/check_python.py && python3 -m venv .venv && ...
"""

import os
import subprocess
import sys

#: The oldest Python the kit supports: SPEC 0 and the end of Python 3.10's life
#: (October 2026); pyproject.toml's requires-python and binder/runtime.txt agree.
MINIMUM = (3, 11)
#: The newest Python the kit is tested on (CI's matrix runs MINIMUM to NEWEST_TESTED).
NEWEST_TESTED = (3, 14)
#: How far beyond NEWEST_TESTED to look for installed interpreters to suggest.
LOOK_AHEAD = 6


def version_text(version):
    return ".".join(str(part) for part in version)


def runs_as(command):
    """The (major, minor) version that running ``command`` reports, or None if it does not run.

    Why run it: a name on PATH may be a launcher that fails for a version not
    selected (pyenv's shims do), and only a Python that answers is worth naming.
    """
    try:
        process = subprocess.Popen(
            [command, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        out, _ = process.communicate()
    except OSError:
        return None
    try:
        major, minor = out.decode("ascii", "replace").strip().split(".")
        return int(major), int(minor)
    except ValueError:
        return None


def newer_pythons_on_path(path=None):
    """Names like ``python3.13`` of the supported interpreters that run from PATH, newest first."""
    found = []
    directories = [d for d in (path if path is not None else os.environ.get("PATH", "")).split(os.pathsep) if d]
    for minor in range(NEWEST_TESTED[1] + LOOK_AHEAD, MINIMUM[1] - 1, -1):
        name = "python3.%d" % minor
        for directory in directories:
            candidate = os.path.join(directory, name)
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                if runs_as(candidate) == (3, minor):
                    found.append(name)
                break
    return found


def message(version, executable, found):
    """The text an old Python gets: what it is, what to install, and what is already here."""
    lines = [
        "This kit needs Python %s or newer, and %s is Python %s."
        % (version_text(MINIMUM), executable, version_text(version)),
        "Install Python %s or newer (%s to %s are tested) from https://www.python.org/downloads/"
        " or with your system's package manager, then run the same command with it."
        % (version_text(MINIMUM), version_text(MINIMUM), version_text(NEWEST_TESTED)),
    ]
    if found:
        lines.append(
            "Already installed here: %s. Write %s instead of python3 in the command."
            % (", ".join(found), found[0])
        )
    else:
        lines.append("On Windows, `py --list` shows the Pythons installed; `py -3.13 -m venv .venv` picks one.")
    lines.append("Nothing was installed.")
    return "\n".join(lines)


def main(version=None, executable=None, path=None):
    version = tuple(version if version is not None else sys.version_info[:3])
    if version[:2] >= MINIMUM:
        return 0
    sys.stderr.write(message(version, executable or sys.executable, newer_pythons_on_path(path)) + "\n")
    return 1


if __name__ == "__main__":
    sys.exit(main())

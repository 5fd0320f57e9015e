"""The greet exercise compiles C: without a compiler its gallery cannot run.

Loaded by the gallery's runners inside each test, so a machine without a C
compiler skips those tests with this reason, as the tests that need nc or curl
do; under CI (CI=true), where .ci/run installs gcc, it fails instead. On
Windows, whose sockets are not POSIX's, they always skip.
"""

import os

import pytest

from sockutil.cprograms import find_compiler

CHECK = "sockutil.checks.c_and_python:check_greet"
FUNCTIONS = ("write_greet_c",)

if os.name == "nt":
    pytest.skip("the greet exercise is POSIX C (Winsock differs): not on Windows")
if find_compiler() is None:
    reason = "no C compiler (cc, gcc or clang) on PATH: the greet exercise compiles C"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)

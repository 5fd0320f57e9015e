"""Grading mode: whether a failed self-check raises ``AssertionError`` or only prints its crosses.

Why: a student runs a self-check to learn what is still wrong, so for a
student a check prints its ticks and crosses and never raises: a traceback
would hide the hint. An autograder needs the opposite. nbgrader marks a test
cell as failed only if the cell raises (or writes to stderr); a cell that
merely prints "✘" would earn full marks. So in grading mode ``Report`` raises
``AssertionError`` with the failing lines as its message, and the grader's
feedback shows the same words the student would have seen.

Grading mode is on when either holds:

* **nbgrader is executing the notebook.** nbgrader 0.9.6 sets the environment
  variable ``NBGRADER_EXECUTION`` around the execution, and the kernel it
  starts inherits the environment: ``"autograde"`` in ``nbgrader autograde``
  (``nbgrader/converters/autograde.py``: ``utils.setenv(NBGRADER_EXECUTION=
  'autograde')``) and ``"validate"`` in ``nbgrader validate`` and the
  notebook's Validate button (``nbgrader/validator.py``, which also sets
  ``NBGRADER_VALIDATING=1``). nbgrader's FAQ documents the variable for this
  use. Validation is grading too: it tells the student what autograde will
  say. Any non-empty value counts, so a later mode of nbgrader's is graded
  as well rather than passed silently.
* **An instructor says so**: ``SOCKUTIL_GRADING=1`` (or ``true``, ``yes``,
  ``on``) in the kernel's environment, for any other grader, or to see
  grading mode at work. ``SOCKUTIL_GRADING=0`` (or ``false``, ``no``, ``off``)
  turns it off, even under nbgrader. Any other value is an error that says
  what to write, because guessing would either fail every student or pass
  every one.

The mode is read when a check starts (``Report`` is created), so setting
``os.environ["SOCKUTIL_GRADING"]`` in a running kernel takes effect at the
next check.
"""

from __future__ import annotations

import os
from typing import Mapping

__all__ = ["NBGRADER_VARIABLE", "SWITCH_VARIABLE", "grading_mode"]

#: Set by nbgrader (0.9.6: "autograde" or "validate") in the environment of the kernel it runs.
NBGRADER_VARIABLE = "NBGRADER_EXECUTION"

#: The instructor's explicit switch; it wins over nbgrader's variable either way.
SWITCH_VARIABLE = "SOCKUTIL_GRADING"

_ON = {"1", "true", "yes", "on"}
_OFF = {"0", "false", "no", "off"}


def grading_mode(environ: Mapping[str, str] | None = None) -> bool:
    """True if a failed check must raise ``AssertionError`` (see the module's docstring).

    Raises ``ValueError`` with a sentence saying what to write when
    ``SOCKUTIL_GRADING`` holds anything but an on or off word.
    """
    env = os.environ if environ is None else environ
    switch = env.get(SWITCH_VARIABLE)
    if switch is not None and switch.strip() != "":
        word = switch.strip().lower()
        if word in _ON:
            return True
        if word in _OFF:
            return False
        raise ValueError(
            f"{SWITCH_VARIABLE}={switch!r} is neither on nor off: set it to 1 to grade "
            f"(a failed self-check raises AssertionError) or to 0 to only print, or unset it"
        )
    return bool(env.get(NBGRADER_VARIABLE, "").strip())

"""The IPv4-header check of notebook 03: its reference headers, and how it words what went wrong.

Plausible wrong parsers live in the gallery, tests/wrong_solutions/parse_ipv4_header/.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from sockutil.checks import layers
from sockutil.checks.layers import check_parse_ipv4_header, internet_checksum, ipv4_header

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_wrong_solutions import GALLERY, load, run_check  # noqa: E402

EXERCISE = GALLERY / "parse_ipv4_header"


def test_the_reference_checksum_matches_real_headers():
    for header in (layers.CAPTURED_SYN, layers.REAL_UDP, layers.BUILT, layers.WITH_OPTIONS):
        assert internet_checksum(header) == 0
    # the worked example's checksum field, recomputed from the other fields
    zeroed = layers.REAL_UDP[:10] + b"\0\0" + layers.REAL_UDP[12:]
    assert internet_checksum(zeroed) == 0xB861


def test_ipv4_header_builder_can_lie_about_its_length():
    assert ipv4_header("10.0.0.1", "10.0.0.2", 6, 40, ihl=4)[0] == 0x44
    with pytest.raises(ValueError):
        ipv4_header("10.0.0.1", "10.0.0.2", 6, 40, options=b"\x01")


def test_the_adversarial_headers_are_what_they_claim():
    assert layers.VERSION_6[0] == 0x65 and internet_checksum(layers.VERSION_6) == 0
    assert layers.IHL_4[0] == 0x44
    assert internet_checksum(layers.IHL_4[:16]) == 0 and internet_checksum(layers.IHL_4) == 0
    assert layers.LONGEST[0] == 0x4F and len(layers.LONGEST) == 60
    assert internet_checksum(layers.LONGEST) == 0


def test_the_worked_solution_passes_all_17_cases(capsys):
    report = run_check(EXERCISE / "right.py")
    assert report.passed and len(report.results) == 17
    assert "all 17 checks passed" in capsys.readouterr().out


def test_a_byte_order_bug_is_never_told_about_options(capsys):
    report = run_check(EXERCISE / "little_endian.py")
    capsys.readouterr()
    hints = [failure.hint for failure in report.failures]
    assert hints and all("big-endian" in hint for hint in hints)
    assert not any("option" in hint.lower() for hint in hints)


def test_the_failing_field_is_named_with_both_values(capsys):
    run_check(EXERCISE / "little_endian.py")
    assert "total_length is 20224, expected 79" in capsys.readouterr().out


def test_missing_keys_and_wrong_types_are_named(capsys):
    check_parse_ipv4_header(lambda data: {"version": 4})
    out = capsys.readouterr().out
    assert "the dict has no 'header_length'" in out and "hint: the dict needs the keys" in out
    check_parse_ipv4_header(lambda data: (4, 20))
    out = capsys.readouterr().out
    assert "returned (4, 20)" in out and "hint: return a dict" in out


def test_a_stub_without_source_stops_at_its_first_call(capsys):
    """A stub whose source cannot be read is caught when it raises NotImplementedError."""
    namespace: dict = {}
    exec(compile("def parse_ipv4_header(data):\n    raise NotImplementedError\n", "<no source>", "exec"),
         namespace)

    report = check_parse_ipv4_header(namespace["parse_ipv4_header"])
    out = capsys.readouterr().out
    assert report.stopped and out.count("\n") == 1 and "write parse_ipv4_header() first" in out
    assert "Traceback" not in out


def test_an_error_other_than_value_error_is_named_and_told_to_check_first(capsys):
    module = load(EXERCISE / "no_length_check.py")
    check_parse_ipv4_header(module.parse_ipv4_header)
    out = capsys.readouterr().out
    assert "19 bytes, too short for any IPv4 header: raised struct.error" in out
    assert "not ValueError" in out and "check it yourself and raise ValueError" in out

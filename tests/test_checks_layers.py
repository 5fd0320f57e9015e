"""The IPv4-header check of notebook 03 tells a right parser from each typical wrong one."""

from __future__ import annotations

import socket
import struct

import pytest

from sockutil.checks import layers
from sockutil.checks.layers import check_parse_ipv4_header, internet_checksum, ipv4_header


def good_parse(data: bytes) -> dict:
    if len(data) < 20:
        raise ValueError("too short")
    if data[0] >> 4 != 4:
        raise ValueError("not IPv4")
    length = (data[0] & 0x0F) * 4
    if length < 20 or len(data) < length:
        raise ValueError("bad IHL")
    header = data[:length]
    if internet_checksum(header) != 0:
        raise ValueError("bad checksum")
    fields = struct.unpack("!BBHHHBBH4s4s", header[:20])
    return {
        "version": 4, "header_length": length, "total_length": fields[2], "ttl": fields[5],
        "protocol": fields[6], "source": socket.inet_ntoa(fields[8]),
        "destination": socket.inet_ntoa(fields[9]),
    }


def twenty_bytes_always(data: bytes) -> dict:
    # Assumes no options and trusts everything: the classic shortcut.
    fields = struct.unpack("!BBHHHBBH4s4s", data[:20])
    return {
        "version": fields[0] >> 4, "header_length": 20, "total_length": fields[2],
        "ttl": fields[5], "protocol": fields[6], "source": socket.inet_ntoa(fields[8]),
        "destination": socket.inet_ntoa(fields[9]),
    }


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


def test_a_correct_parser_passes_every_case(capsys):
    check_parse_ipv4_header(good_parse)
    out = capsys.readouterr().out
    assert "✘" not in out and "all 14 checks passed" in out


def test_a_parser_that_assumes_20_bytes_is_told_why(capsys):
    check_parse_ipv4_header(twenty_bytes_always)
    out = capsys.readouterr().out
    assert "header_length is 20, expected 24" in out
    assert "raised struct.error" in out and "not ValueError" in out
    assert "✘ one bit flipped in the source address: returned a result" in out
    assert "hint: verify the checksum" in out
    assert "10 of 14 checks failed" in out


def test_missing_keys_and_wrong_types_are_named(capsys):
    check_parse_ipv4_header(lambda data: {"version": 4})
    out = capsys.readouterr().out
    assert "the dict has no 'header_length'" in out
    check_parse_ipv4_header(lambda data: (4, 20))
    out = capsys.readouterr().out
    assert "returned tuple, not a dict" in out


def test_a_raising_stub_fails_every_case_in_words(capsys):
    def stub(data):
        raise NotImplementedError("write parse_ipv4_header() first")

    check_parse_ipv4_header(stub)
    out = capsys.readouterr().out
    assert "raised NotImplementedError: write parse_ipv4_header() first" in out
    assert "14 of 14 checks failed" in out
    assert "Traceback" not in out


def lax_parse(data: bytes, *, check_version: bool = True, check_ihl: bool = True) -> dict:
    """good_parse, without the version check or the IHL >= 5 check (each may be dropped)."""
    if len(data) < 20:
        raise ValueError("too short")
    if check_version and data[0] >> 4 != 4:
        raise ValueError("not IPv4")
    length = (data[0] & 0x0F) * 4
    if (check_ihl and length < 20) or len(data) < length:
        raise ValueError("bad IHL")
    if internet_checksum(data[:length]) != 0:
        raise ValueError("bad checksum")
    fields = struct.unpack("!BBHHHBBH4s4s", data[:20])
    return {
        "version": data[0] >> 4, "header_length": length, "total_length": fields[2],
        "ttl": fields[5], "protocol": fields[6], "source": socket.inet_ntoa(fields[8]),
        "destination": socket.inet_ntoa(fields[9]),
    }


def test_a_parser_without_a_version_check_fails(capsys):
    check_parse_ipv4_header(lambda data: lax_parse(data, check_version=False))
    out = capsys.readouterr().out
    assert "✘ version 6 in the first byte (0x65), checksum intact: returned a result" in out
    assert "1 of 14 checks failed" in out


def test_a_parser_without_the_ihl_5_check_fails(capsys):
    check_parse_ipv4_header(lambda data: lax_parse(data, check_ihl=False))
    out = capsys.readouterr().out
    assert "✘ IHL 4, with a checksum that verifies over its 16 bytes: returned a result" in out
    assert "1 of 14 checks failed" in out


def test_the_adversarial_headers_are_what_they_claim():
    assert layers.VERSION_6[0] == 0x65 and internet_checksum(layers.VERSION_6) == 0
    assert layers.IHL_4[0] == 0x44
    assert internet_checksum(layers.IHL_4[:16]) == 0 and internet_checksum(layers.IHL_4) == 0
    assert layers.LONGEST[0] == 0x4F and len(layers.LONGEST) == 60
    assert internet_checksum(layers.LONGEST) == 0

"""Self-checks for notebook 03, Layers: parsing an IPv4 header from raw bytes.

Why these cases: a parser that works on the one header the student built
may still assume that every header is 20 bytes long, read the numbers in the
machine's byte order, trust a checksum it never verified, or crash with
``struct.error`` on short input. So the check feeds real headers (one
captured on Linux loopback, one from a real UDP packet, two with options)
and adversarial ones (too short, the wrong version, a length field that
lies, a corrupted bit), and says in words which assumption failed.

Hints follow the cause, read from what came back: a ``total_length`` that
is the right number with its bytes swapped is a byte-order bug, whatever the
case; a ``header_length`` of 20 where the header has options is the
20-bytes assumption; a ``ValueError`` on a good header with options is a
checksum taken over the wrong bytes.

Pure: no sockets, no threads of the student's. The headers are built here
with a reference checksum, so the cases stay correct if someone edits them.
"""

from __future__ import annotations

import re
import socket
import struct
from typing import Any, Callable

from . import Hint, Outcome, Report, always, attempt, pick_hint, raised

__all__ = ["check_parse_ipv4_header", "internet_checksum", "ipv4_header", "EXPECTED_KEYS"]

#: The keys the student's dict must have (more are welcome).
EXPECTED_KEYS = ("version", "header_length", "total_length", "ttl", "protocol", "source", "destination")

IPV4_FORMAT = "!BBHHHBBH4s4s"  # the 20 fixed bytes of RFC 791's header

#: Seconds one call may take: parsing 60 bytes takes microseconds, so only a
#: loop that never ends (over options, say) comes near it.
TIMEOUT = 2.0


def internet_checksum(data: bytes) -> int:
    """RFC 1071: the ones' complement of the ones' complement sum of 16-bit big-endian words."""
    if len(data) % 2:
        data += b"\x00"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ipv4_header(
    source: str,
    destination: str,
    protocol: int,
    total_length: int,
    *,
    ttl: int = 64,
    identification: int = 0,
    flags_fragment: int = 0x4000,
    tos: int = 0,
    options: bytes = b"",
    version: int = 4,
    ihl: int | None = None,
) -> bytes:
    """An IPv4 header with a correct checksum (``ihl`` overrides the length field, to lie)."""
    if len(options) % 4:
        raise ValueError("options must fill whole 4-byte words")
    words = ihl if ihl is not None else 5 + len(options) // 4

    def pack(checksum: int) -> bytes:
        return struct.pack(
            IPV4_FORMAT, (version << 4) | words, tos, total_length, identification,
            flags_fragment, ttl, protocol, checksum,
            socket.inet_aton(source), socket.inet_aton(destination),
        ) + options

    return pack(internet_checksum(pack(0)))


def _expected(header_length: int, total_length: int, ttl: int, protocol: int, source: str,
              destination: str) -> dict[str, Any]:
    return {
        "version": 4, "header_length": header_length, "total_length": total_length, "ttl": ttl,
        "protocol": protocol, "source": source, "destination": destination,
    }


# --- the cases -------------------------------------------------------------------------------

#: The header notebook 03 builds: 192.0.2.10 -> 198.51.100.20, TCP, 79 bytes in all.
BUILT = ipv4_header("192.0.2.10", "198.51.100.20", socket.IPPROTO_TCP, 79, identification=0x1C46)

#: Captured on Linux loopback: the IPv4 header of a SYN (60 bytes: 20 IP + 40 TCP with options).
CAPTURED_SYN = bytes.fromhex("4500003cef24400040064d957f0000017f000001")

#: A real UDP packet's header (192.168.0.1 -> 192.168.0.199), the classic worked checksum example.
REAL_UDP = bytes.fromhex("45000073000040004011b861c0a80001c0a800c7")

#: IGMPv3 reports carry the Router Alert option (RFC 2113: 0x94 0x04 0x00 0x00): IHL 6, 24 bytes.
WITH_OPTIONS = ipv4_header("192.168.1.10", "224.0.0.22", 2, 40, ttl=1, tos=0xC0,
                           options=bytes.fromhex("94040000"))

#: The same header with 4 bytes of zero options: IHL 6, and since zero bytes add nothing
#: to the checksum, its first 20 bytes alone verify too. Only a parser that checks that
#: the data holds IHL × 4 bytes refuses those 20 bytes.
ZERO_OPTIONS = ipv4_header("192.168.1.10", "224.0.0.22", 2, 40, ttl=1, tos=0xC0, options=bytes(4))

#: What follows the built header in its packet: a 20-byte TCP header and 39 bytes of HTTP.
SEGMENT = bytes.fromhex("c3500050000003e9000013895018ffffb15f0000") + (
    b"GET / HTTP/1.1\r\nHost: 198.51.100.20\r\n\r\n"
)

#: The first 20 bytes of a real IPv6 header: version 6, so not IPv4.
IPV6_START = bytes.fromhex("6000000000140640000000000000000000000000")

#: An IPv4-shaped header with version 6 (first byte 0x65) and a checksum that verifies:
#: only a parser that looks at the version rejects it.
VERSION_6 = ipv4_header("192.0.2.10", "198.51.100.20", 6, 79, version=6)

#: The Record Route option (RFC 791: type 7, length 39, pointer 4, room for 9 addresses)
#: and an End of Options byte: 40 bytes of options, IHL 15, a 60-byte header, the most
#: IHL's 4 bits allow (what ``ping -R`` sends).
RECORD_ROUTE = bytes([7, 39, 4]) + bytes(36) + b"\x00"
LONGEST = ipv4_header("192.0.2.10", "198.51.100.20", 1, 124, options=RECORD_ROUTE)


def _ihl_4_that_verifies() -> bytes:
    """IHL 4 (16 bytes), with a checksum that verifies over 16 bytes and over 20.

    The checksum is computed over the first 16 bytes, so a parser that checks
    ``data[:IHL * 4]`` finds it intact; the destination 255.255.255.255 adds
    0xFFFF + 0xFFFF, a ones' complement zero, so a parser that always checks
    20 bytes finds it intact too. Only the rule "IHL is at least 5" rejects it.
    """
    def pack(checksum: int) -> bytes:
        return struct.pack(IPV4_FORMAT, (4 << 4) | 4, 0, 79, 0, 0x4000, 64, 6, checksum,
                           socket.inet_aton("192.0.2.10"), socket.inet_aton("255.255.255.255"))

    return pack(internet_checksum(pack(0)[:16]))


IHL_4 = _ihl_4_that_verifies()


def _flip(data: bytes, index: int, mask: int) -> bytes:
    changed = bytearray(data)
    changed[index] ^= mask
    return bytes(changed)


# --- hints by cause ----------------------------------------------------------------------------

def _wrong_keys(value: Any, expected: dict[str, Any]) -> list[str]:
    """The expected keys whose value differs (all of them if ``value`` is not a dict)."""
    if not isinstance(value, dict):
        return list(expected)
    return [key for key in expected if key not in value or value[key] != expected[key]]


def _swapped16(number: int) -> int:
    return int.from_bytes(number.to_bytes(2, "big"), "little")


def _good_hints(expected: dict[str, Any], data: bytes) -> list[Hint]:
    """Hints for a valid header (``data``, perhaps with its payload), chosen by what came back wrong."""
    length = expected["header_length"]
    payload = len(data) > length

    def got(key: str) -> Callable[[Outcome], Any]:
        return lambda outcome: outcome.value.get(key) if isinstance(outcome.value, dict) else None

    def byte_order(outcome: Outcome) -> bool:
        total = got("total_length")(outcome)
        return isinstance(total, int) and total != expected["total_length"] == _swapped16(total)

    def missing(outcome: Outcome) -> bool:
        return isinstance(outcome.value, dict) and any(key not in outcome.value for key in expected)

    def refused(outcome: Outcome) -> bool:
        return outcome.raised(ValueError)

    def checksum_refused(outcome: Outcome) -> bool:
        return refused(outcome) and "checksum" in str(outcome.error).lower()

    def version_bits(outcome: Outcome) -> bool:   # "version 64" (no shift) or "version 5" (nibbles swapped)
        message = str(outcome.error).lower()
        return refused(outcome) and "version" in message and re.search(r"\b(64|5)\b", message) is not None

    def total_length(outcome: Outcome) -> bool:
        return refused(outcome) and "total" in str(outcome.error).lower()

    def same_as(key: str, other: str) -> Callable[[Outcome], bool]:
        return lambda outcome: (got(key)(outcome) is not None and got(key)(outcome) != expected[key]
                                and got(key)(outcome) == expected.get(other, object()))

    def addresses(outcome: Outcome) -> bool:
        return not isinstance(got("source")(outcome), str) or not isinstance(got("destination")(outcome), str)

    return [
        Hint(lambda o: o.ok and not isinstance(o.value, dict),
             "return a dict such as {'version': 4, 'ttl': 64, ...}"),
        Hint(missing, f"the dict needs the keys {', '.join(EXPECTED_KEYS)}"),
        Hint(byte_order, "the numbers in a header are big-endian (network byte order): unpack with "
                         "'!' at the start of the format, not '<', '=' or nothing"),
        Hint(lambda o: got("header_length")(o) == length // 4,
             "IHL counts 4-byte words: header_length is IHL × 4 bytes"),
        Hint(lambda o: length > 20 and got("header_length")(o) == 20,
             "the header is IHL × 4 bytes (IHL is the low 4 bits of the first byte), not always 20"),
        Hint(lambda o: got("version")(o) == 5 or got("version")(o) == 0x45,
             "the version is the high 4 bits of the first byte: data[0] >> 4"),
        Hint(lambda o: length > 20 and checksum_refused(o),
             "this header has options: it is IHL × 4 bytes long, not always 20, and the "
             "checksum covers all of it, options included: internet_checksum(data[:IHL × 4])"),
        Hint(lambda o: payload and checksum_refused(o),
             "this header is valid: checksum only the header, data[:header_length], not the payload "
             "that may follow it, and compare the result with 0 (the sum over an intact header, its "
             "checksum field included, is 0), not with the checksum field"),
        Hint(checksum_refused,
             "this header is valid: compare internet_checksum(header) with 0, not with the checksum "
             "field (the sum covers the field itself, so an intact header sums to 0)"),
        Hint(version_bits,
             "this header is valid, yet your function refused its version: the version is the high 4 "
             "bits of the first byte, data[0] >> 4, and IHL the low 4 bits, data[0] & 0x0F"),
        Hint(total_length,
             "this header is valid, yet your function refused its total length: total_length counts the "
             "whole packet, header and payload, and the data you get may be the header alone"),
        Hint(refused,
             "this header is valid, yet your function raised ValueError: one of its tests is too strict "
             "(the data may be longer than the header, and the header as long as IHL × 4 says) or reads "
             "the wrong bytes; print what it compared"),
        Hint(raised(struct.error),
             "unpack the fixed 20 bytes (data[:20]) with IPV4_FORMAT; options follow them"),
        Hint(lambda o: o.ok and addresses(o), "give the addresses as text: socket.inet_ntoa(four_bytes)"),
        Hint(lambda o: same_as("source", "destination")(o) or same_as("destination", "source")(o),
             "source and destination are swapped: the source address comes first (bytes 12-15), then "
             "the destination (bytes 16-19)"),
        Hint(lambda o: got("ttl")(o) is not None and got("ttl")(o) != expected["ttl"] and o.ok,
             "the TTL is byte 8 of the header: take the field at its position in IPV4_FORMAT"),
        Hint(always, "unpack the first 20 bytes with struct and '!' (network byte order); addresses "
                     "with socket.inet_ntoa; header_length is IHL × 4"),
    ]


def _judge_good(report: Report, parse: Callable[[bytes], Any], what: str, data: bytes,
                expected: dict[str, Any]) -> None:
    outcome = attempt(parse, data, deadline=TIMEOUT)
    hints = _good_hints(expected, data)
    if not outcome.ok or not isinstance(outcome.value, dict):
        report.case(what, outcome, expected, hints, function="parse_ipv4_header")
        return
    wrong = _wrong_keys(outcome.value, expected)
    if not wrong:
        report.check(True, what)
        return
    key = wrong[0]
    shown = f"the dict has no {key!r}" if key not in outcome.value else (
        f"{key} is {outcome.value[key]!r}, expected {expected[key]!r}")
    report.check(False, f"{what}: {shown}", pick_hint(outcome, hints))


def _judge_bad(report: Report, parse: Callable[[bytes], Any], what: str, data: bytes, unchecked: str) -> None:
    """A header that is not a valid one: ValueError is right; ``unchecked`` names what was not checked."""
    outcome = attempt(parse, data, deadline=TIMEOUT)
    if outcome.raised(NotImplementedError):
        report.case(what, outcome, None, (), function="parse_ipv4_header")
    elif outcome.raised(ValueError):
        report.check(True, f"{what} → ValueError")
    elif outcome.ok:
        report.check(False, f"{what}: returned a result instead of raising ValueError", unchecked)
    else:
        report.check(False, f"{what}: {outcome.describe()}, not ValueError",
                     f"{unchecked}; check it yourself and raise ValueError with a clear message")


def check_parse_ipv4_header(parse: Callable[[bytes], dict]) -> Report:
    """Check ``parse_ipv4_header(data) -> dict`` from notebook 03 on real and adversarial headers."""
    report = Report("parse_ipv4_header")
    if report.unwritten(parse):
        return report
    goods = [
        ("the header built in this notebook (TCP, 192.0.2.10 → 198.51.100.20)", BUILT,
         _expected(20, 79, 64, 6, "192.0.2.10", "198.51.100.20")),
        ("a real SYN's header captured on Linux loopback", CAPTURED_SYN,
         _expected(20, 60, 64, 6, "127.0.0.1", "127.0.0.1")),
        ("a real UDP packet's header (protocol 17)", REAL_UDP,
         _expected(20, 115, 64, 17, "192.168.0.1", "192.168.0.199")),
        ("a header with 4 bytes of options (IHL 6: 24 bytes)", WITH_OPTIONS,
         _expected(24, 40, 1, 2, "192.168.1.10", "224.0.0.22")),
        ("a header with 40 bytes of options (IHL 15: 60 bytes, the most there is)", LONGEST,
         _expected(60, 124, 64, 1, "192.0.2.10", "198.51.100.20")),
        ("a header followed by the rest of its packet", BUILT + SEGMENT,
         _expected(20, 79, 64, 6, "192.0.2.10", "198.51.100.20")),
    ]
    for what, data, expected in goods:
        _judge_good(report, parse, what, data, expected)
        if report.stopped:
            return report
    version = "the version is the high 4 bits of the first byte (data[0] >> 4) and must be 4"
    checksum = "verify the checksum: internet_checksum(header) is 0 for an intact header"
    bads = [
        ("19 bytes, too short for any IPv4 header", BUILT[:19], "an IPv4 header has at least 20 bytes"),
        ("an IPv6 header (version 6)", IPV6_START, version),
        ("version 6 in the first byte (0x65), checksum intact", VERSION_6, version),
        ("IHL 4, a length shorter than the fixed 20 bytes",
         ipv4_header("192.0.2.10", "198.51.100.20", 6, 79, ihl=4),
         "IHL counts 4-byte words and must be at least 5"),
        ("IHL 4, with a checksum that verifies over its 16 bytes", IHL_4,
         "IHL counts 4-byte words and must be at least 5: check it before anything else"),
        ("IHL 6 (24 bytes) but only 20 bytes given", WITH_OPTIONS[:20],
         "the header claims IHL × 4 bytes: check that the data holds that many"),
        ("IHL 6, options of zero bytes, only the first 20 bytes given (their checksum verifies)",
         ZERO_OPTIONS[:20], "the header claims IHL × 4 bytes: check that the data holds that many "
                            "before anything else (zero bytes leave the checksum as it is)"),
        ("one bit flipped in the source address", _flip(BUILT, 13, 0x01), checksum),
        ("the checksum field off by one", _flip(BUILT, 11, 0x01), checksum),
        ("one bit flipped in a header with options (IHL 6)", _flip(WITH_OPTIONS, 13, 0x01),
         "verify the checksum of every header, options included: internet_checksum(data[:IHL × 4]) is 0"),
        ("one bit flipped inside the options of the longest header (IHL 15)", _flip(LONGEST, 30, 0x01),
         "verify the checksum of every header, options included: internet_checksum(data[:IHL × 4]) is 0"),
    ]
    for what, data, unchecked in bads:
        _judge_bad(report, parse, what, data, unchecked)
    return report.finish()

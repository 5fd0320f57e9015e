"""Assumes every header is 20 bytes: header_length is wrong, and options break the checksum."""

HINT_WORDS = ("ihl × 4", "not always 20")

import socket
import struct

IPV4_FORMAT = "!BBHHHBBH4s4s"


def internet_checksum(data: bytes) -> int:
    """RFC 1071, as notebook 03 defines it."""
    if len(data) % 2:
        data += b"\x00"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF



def parse_ipv4_header(data: bytes) -> dict:
    if len(data) < 20:
        raise ValueError("too short")
    if data[0] >> 4 != 4:
        raise ValueError("not IPv4")
    if internet_checksum(data[:20]) != 0:
        raise ValueError("bad checksum")
    fields = struct.unpack(IPV4_FORMAT, data[:20])
    return {
        "version": 4, "header_length": 20, "total_length": fields[2],
        "ttl": fields[5], "protocol": fields[6],
        "source": socket.inet_ntoa(fields[8]), "destination": socket.inet_ntoa(fields[9]),
    }

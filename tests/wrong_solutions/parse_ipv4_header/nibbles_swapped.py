"""Swaps the nibbles: version from the low 4 bits, IHL from the high ones, so every header is refused as version 5."""

HINT_WORDS = ("high 4 bits",)

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
    ihl, version = data[0] >> 4, data[0] & 0x0F
    if version != 4:
        raise ValueError(f"version {version}, not 4")
    if ihl < 5 or ihl * 4 > len(data):
        raise ValueError("bad IHL")
    if internet_checksum(data[: ihl * 4]) != 0:
        raise ValueError("bad checksum")
    fields = struct.unpack(IPV4_FORMAT, data[:20])
    return {
        "version": version, "header_length": ihl * 4, "total_length": fields[2],
        "ttl": fields[5], "protocol": fields[6],
        "source": socket.inet_ntoa(fields[8]), "destination": socket.inet_ntoa(fields[9]),
    }

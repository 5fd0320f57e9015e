"""Checksums data[:total_length], the whole packet, instead of data[:IHL × 4]: a header followed by its payload is refused."""

HINT_WORDS = ("only the header", "not the payload")

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
    version, ihl = data[0] >> 4, data[0] & 0x0F
    if version != 4 or ihl < 5 or ihl * 4 > len(data):
        raise ValueError("not a valid IPv4 header")
    fields = struct.unpack(IPV4_FORMAT, data[:20])
    if internet_checksum(data[: fields[2]]) != 0:
        raise ValueError("bad checksum")
    return {
        "version": version, "header_length": ihl * 4, "total_length": fields[2],
        "ttl": fields[5], "protocol": fields[6],
        "source": socket.inet_ntoa(fields[8]), "destination": socket.inet_ntoa(fields[9]),
    }

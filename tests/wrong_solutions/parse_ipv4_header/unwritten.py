"""The notebook'\''s stub, not written yet: one line, and no ticks."""

HINT_WORDS = ("write parse_ipv4_header() first",)

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
    """Parse the IPv4 header at the start of data; raise ValueError if it is not a valid one."""
    # Your code here: check the length, the version and the IHL, verify the checksum,
    # unpack the first 20 bytes with IPV4_FORMAT, and return the dict.
    raise NotImplementedError("write parse_ipv4_header() first")

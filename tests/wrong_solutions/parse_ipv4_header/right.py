"""The worked solution from notebook 03 (with the notebook's internet_checksum and IPV4_FORMAT)."""

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
    if len(data) < 20:
        raise ValueError(f"an IPv4 header has at least 20 bytes, got {len(data)}")
    version, ihl = data[0] >> 4, data[0] & 0x0F
    if version != 4:
        raise ValueError(f"version {version}, not 4")
    header_length = ihl * 4
    if ihl < 5 or header_length > len(data):
        raise ValueError(f"IHL {ihl} ({header_length} bytes) does not fit {len(data)} bytes")
    header = data[:header_length]
    if internet_checksum(header) != 0:
        raise ValueError("the header checksum does not verify")
    fields = struct.unpack(IPV4_FORMAT, header[:20])
    return {
        "version": version,
        "header_length": header_length,
        "total_length": fields[2],
        "ttl": fields[5],
        "protocol": fields[6],
        "source": socket.inet_ntoa(fields[8]),
        "destination": socket.inet_ntoa(fields[9]),
    }

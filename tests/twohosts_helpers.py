"""What the tests of notebook 12 share: its own parser (run from its cells), dpkt's reading, its constants."""

from __future__ import annotations

import ast
import re
import socket
import struct
from pathlib import Path
from typing import Any, Sequence

import dpkt
import nbformat

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "12-two-hosts.ipynb"
#: The cells that make notebook 12's parser: notebook 03's pieces, its worked solution, the reading functions.
PARSER_CELLS = ("t12-checksum", "t12-solution", "t12-reading")
#: The TCP frames of the notebook's exchange, in order: handshake, request and ACK, reply and ACK, two FINs.
EXCHANGE_FLAGS = [("SYN",), ("SYN", "ACK"), ("ACK",), ("PSH", "ACK"), ("ACK",), ("PSH", "ACK"), ("ACK",),
                  ("FIN", "ACK"), ("ACK",), ("FIN", "ACK"), ("ACK",)]
FLAG_NAMES = ["FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"]


def cells() -> dict[str, str]:
    return {cell.id: cell.source for cell in nbformat.read(NOTEBOOK, as_version=4).cells}


def _constant(name: str) -> bytes:
    match = re.search(rf"^{name} = (b\".*\")$", cells()["t12-exchange"], flags=re.M)
    assert match, f"notebook 12 defines no {name}"
    return ast.literal_eval(match.group(1))


#: The exchange's request and reply, as the notebook sends them.
REQUEST, REPLY = _constant("REQUEST"), _constant("REPLY")


def notebook_parser() -> dict[str, Any]:
    """The names notebook 12's parser cells define (its worked solution of notebook 03's exercise included)."""
    namespace: dict[str, Any] = {"socket": socket, "struct": struct}
    sources = cells()
    for cell_id in PARSER_CELLS:
        source = "\n".join(line for line in sources[cell_id].splitlines() if "### " not in line)
        exec(compile(source, f"<notebook 12, {cell_id}>", "exec"), namespace)  # noqa: S102 - our own notebook
    return namespace


def _options(raw: bytes) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for kind, value in dpkt.tcp.parse_opts(raw):
        if kind == dpkt.tcp.TCP_OPT_MSS:
            found["MSS"] = struct.unpack("!H", value)[0]
        elif kind == dpkt.tcp.TCP_OPT_WSCALE:
            found["window scale"] = value[0]
        elif kind == dpkt.tcp.TCP_OPT_SACKOK:
            found["SACK permitted"] = True
        elif kind == dpkt.tcp.TCP_OPT_SACK:
            found["SACK"] = [struct.unpack("!II", value[i:i + 8]) for i in range(0, len(value), 8)]
        elif kind == dpkt.tcp.TCP_OPT_TIMESTAMP:
            found["timestamps"] = struct.unpack("!II", value)
    return found


def by_dpkt(frame: bytes) -> dict[str, Any] | None:
    """A TCP frame's fields as dpkt reads them (None for any other frame). Works on frames cut to their headers."""
    ethernet = dpkt.ethernet.Ethernet(frame)
    ip = ethernet.data
    if isinstance(ip, dpkt.ip.IP):
        source, destination, ttl = socket.inet_ntoa(ip.src), socket.inet_ntoa(ip.dst), ip.ttl
        data_length = ip.len - ip.hl * 4
    elif isinstance(ip, dpkt.ip6.IP6):
        source = socket.inet_ntop(socket.AF_INET6, ip.src)
        destination, ttl = socket.inet_ntop(socket.AF_INET6, ip.dst), ip.hlim
        data_length = ip.plen
    else:
        return None
    tcp = ip.data
    if not isinstance(tcp, dpkt.tcp.TCP):
        return None
    return {
        "source_mac": ethernet.src.hex(":"), "destination_mac": ethernet.dst.hex(":"),
        "source": source, "destination": destination, "ttl": ttl,
        "source_port": tcp.sport, "destination_port": tcp.dport, "seq": tcp.seq, "ack": tcp.ack,
        "window": tcp.win, "flags": {name for bit, name in enumerate(FLAG_NAMES) if tcp.flags >> bit & 1},
        "options": _options(tcp.opts), "data_length": data_length - tcp.off * 4,
    }


def tcp_frames(frames: Sequence[Any]) -> list[Any]:
    return [frame for frame in frames if by_dpkt(frame.data) is not None]


def resent_by_dpkt(frames: Sequence[Any], port: int) -> int:
    """How many segments to ``port`` carried sequence numbers already sent (data or FIN), read by dpkt."""
    highest, resent = None, 0
    for frame in frames:
        seen = by_dpkt(frame.data)
        if seen is None or seen["destination_port"] != port or "SYN" in seen["flags"]:
            continue
        end = seen["seq"] + seen["data_length"] + (1 if "FIN" in seen["flags"] else 0)
        if end == seen["seq"]:
            continue  # a pure ACK takes no sequence number
        if highest is not None and (seen["seq"] - highest) % 2**32 >= 2**31:  # seq before highest: resent
            resent += 1
        if highest is None or (end - highest) % 2**32 < 2**31:
            highest = end
    return resent


def segments_by_dpkt(frames: Sequence[Any], port: int) -> list[dict[str, Any]]:
    """The captured segments as ``plots.captured_sequence`` takes them, read by dpkt (not by the notebook)."""
    seen = [(frame, by_dpkt(frame.data)) for frame in frames]
    seen = [(frame, s) for frame, s in seen if s is not None]
    isn = {s["source_port"]: s["seq"] for _, s in seen if "SYN" in s["flags"]}
    segments = []
    for frame, s in seen:
        mine, theirs = isn[s["source_port"]], isn[s["destination_port"]]
        segments.append({
            "time": frame.time, "from_sender": s["destination_port"] == port,
            "seq": (s["seq"] - mine) % 2**32, "length": s["data_length"],
            "ack": (s["ack"] - theirs) % 2**32 if "ACK" in s["flags"] else None,
            "sack": [((left - theirs) % 2**32, (right - theirs) % 2**32) for left, right in s["options"].get("SACK", [])],
        })
    return segments

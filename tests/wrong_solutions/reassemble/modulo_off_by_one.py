"""Wraps with % (2**32 - 1) instead of % 2**32: positions and ACKs across the wrap are off by one."""

HINT_WORDS = ("wrap",)


def reassemble(first_seq, arrivals):
    stream = bytearray()
    early = {}
    acks = []
    for seq, payload in arrivals:
        position = (seq - first_seq) % (2**32 - 1)
        if position + len(payload) > len(stream) and len(payload) > len(early.get(position, b"")):
            early[position] = payload
        for start in sorted(early):
            if start <= len(stream):
                stream += early.pop(start)[len(stream) - start:]
        acks.append((first_seq + len(stream)) % (2**32 - 1))
    return bytes(stream), acks

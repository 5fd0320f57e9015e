"""Counts every segment's bytes for the ACK, a duplicate too."""

HINT_WORDS = ("duplicate",)


def reassemble(first_seq, arrivals):
    stream = bytearray()
    early = {}
    acks = []
    received = 0
    for seq, payload in arrivals:
        position = (seq - first_seq) % 2**32
        received += len(payload)
        if position + len(payload) > len(stream) and len(payload) > len(early.get(position, b"")):
            early[position] = payload
        for start in sorted(early):
            if start <= len(stream):
                stream += early.pop(start)[len(stream) - start:]
        acks.append((first_seq + received) % 2**32)
    return bytes(stream), acks

"""Forgets that ACK numbers wrap: first_seq + len(stream) can pass 2**32 - 1."""

HINT_WORDS = ("wrap",)


def reassemble(first_seq, arrivals):
    stream = bytearray()
    early = {}
    acks = []
    for seq, payload in arrivals:
        position = (seq - first_seq) % 2**32
        if position + len(payload) > len(stream) and len(payload) > len(early.get(position, b"")):
            early[position] = payload
        for start in sorted(early):
            if start <= len(stream):
                stream += early.pop(start)[len(stream) - start:]
        acks.append(first_seq + len(stream))
    return bytes(stream), acks

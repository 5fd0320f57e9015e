"""Keeps the latest segment at each position, even when an earlier one there was longer."""

HINT_WORDS = ("keep early bytes",)


def reassemble(first_seq, arrivals):
    stream = bytearray()
    early = {}
    acks = []
    for seq, payload in arrivals:
        position = (seq - first_seq) % 2**32
        if position + len(payload) > len(stream):
            early[position] = payload
        for start in sorted(early):
            if start <= len(stream):
                stream += early.pop(start)[len(stream) - start:]
        acks.append((first_seq + len(stream)) % 2**32)
    return bytes(stream), acks

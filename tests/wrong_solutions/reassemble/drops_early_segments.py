"""Keeps only the segment that comes next and throws early ones away."""

HINT_WORDS = ("keep early bytes",)


def reassemble(first_seq, arrivals):
    stream = bytearray()
    acks = []
    for seq, payload in arrivals:
        position = (seq - first_seq) % 2**32
        if position <= len(stream) < position + len(payload):
            stream += payload[len(stream) - position:]
        acks.append((first_seq + len(stream)) % 2**32)
    return bytes(stream), acks

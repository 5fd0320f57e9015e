"""Hands on a segment whole when it starts at or before the end of the stream: overlapping bytes twice."""

HINT_WORDS = ("keep only the part after",)


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
                stream += early.pop(start)
        acks.append((first_seq + len(stream)) % 2**32)
    return bytes(stream), acks

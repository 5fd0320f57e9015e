"""Answers each segment with the end of that segment, not with the next byte expected in the stream."""

HINT_WORDS = ("next byte you expect",)


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
        acks.append((seq + len(payload)) % 2**32)
    return bytes(stream), acks

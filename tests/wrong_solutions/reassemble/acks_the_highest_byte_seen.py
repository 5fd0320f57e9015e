"""Answers with the end of the highest segment seen so far, not with the next byte expected in order."""

HINT_WORDS = ("next byte you expect",)


def reassemble(first_seq, arrivals):
    stream = bytearray()
    early = {}
    acks = []
    highest = 0
    for seq, payload in arrivals:
        position = (seq - first_seq) % 2**32
        highest = max(highest, position + len(payload))
        if position + len(payload) > len(stream) and len(payload) > len(early.get(position, b"")):
            early[position] = payload
        for start in sorted(early):
            if start <= len(stream):
                stream += early.pop(start)[len(stream) - start:]
        acks.append((first_seq + highest) % 2**32)
    return bytes(stream), acks

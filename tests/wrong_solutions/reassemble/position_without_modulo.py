"""Takes seq - first_seq as the position: after the wrap it is negative."""

HINT_WORDS = ("wrap",)


def reassemble(first_seq, arrivals):
    stream = bytearray()
    early = {}
    acks = []
    for seq, payload in arrivals:
        position = seq - first_seq
        if position + len(payload) > len(stream) and len(payload) > len(early.get(position, b"")):
            early[position] = payload
        for start in sorted(early):
            if 0 <= start <= len(stream):
                stream += early.pop(start)[len(stream) - start:]
        acks.append((first_seq + len(stream)) % 2**32)
    return bytes(stream), acks

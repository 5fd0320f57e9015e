"""Off by one: acknowledges the last byte received (first_seq + len(stream) - 1), not the next one expected."""

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
        acks.append((first_seq + len(stream) - 1) % 2**32)
    return bytes(stream), acks

"""Takes any segment that starts before the end of the stream for a duplicate and drops it, new bytes and all."""

HINT_WORDS = ("keep only the part after",)


def reassemble(first_seq, arrivals):
    stream = bytearray()
    early = {}
    acks = []
    for seq, payload in arrivals:
        position = (seq - first_seq) % 2**32
        if position >= len(stream):
            early[position] = payload
        for start in sorted(early):
            if start == len(stream):
                stream += early.pop(start)
            elif start < len(stream):
                early.pop(start)
        acks.append((first_seq + len(stream)) % 2**32)
    return bytes(stream), acks

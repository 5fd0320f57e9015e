"""Loops until the next expected segment is found: a gap that never fills keeps it waiting for ever."""

HINT_WORDS = ("did not return",)


def reassemble(first_seq, arrivals):
    stream = bytearray()
    acks = []
    pending = list(arrivals)
    while pending:
        for seq, payload in pending:
            if (seq - first_seq) % 2**32 == len(stream):
                stream += payload
                pending.remove((seq, payload))
                acks.append((first_seq + len(stream)) % 2**32)
                break
    return bytes(stream), acks

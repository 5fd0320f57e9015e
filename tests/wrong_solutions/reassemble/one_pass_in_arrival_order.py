"""Looks through the early segments once, in the order they arrived, not by position: a chain of them stays behind."""

HINT_WORDS = ("keep early bytes",)


def reassemble(first_seq, arrivals):
    stream = bytearray()
    early = {}
    acks = []
    for seq, payload in arrivals:
        position = (seq - first_seq) % 2**32
        if position + len(payload) > len(stream) and len(payload) > len(early.get(position, b"")):
            early[position] = payload
        for start in list(early):
            if start <= len(stream):
                stream += early.pop(start)[len(stream) - start:]
        acks.append((first_seq + len(stream)) % 2**32)
    return bytes(stream), acks

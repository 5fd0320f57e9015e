"""Drops every segment whose seq it has seen before, even a resent one that carries more bytes than the first copy."""

HINT_WORDS = ("keep only the part after",)


def reassemble(first_seq, arrivals):
    stream = bytearray()
    early = {}
    seen = set()
    acks = []
    for seq, payload in arrivals:
        position = (seq - first_seq) % 2**32
        if seq not in seen:
            seen.add(seq)
            if position + len(payload) > len(stream):
                early[position] = payload
        for start in sorted(early):
            if start <= len(stream):
                stream += early.pop(start)[len(stream) - start:]
        acks.append((first_seq + len(stream)) % 2**32)
    return bytes(stream), acks

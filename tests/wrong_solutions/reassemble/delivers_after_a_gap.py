"""Sorts what arrived by position and joins it all: bytes after a gap are handed on too."""

HINT_WORDS = ("after a gap",)


def reassemble(first_seq, arrivals):
    pieces = {}
    stream = bytearray()
    acks = []
    for seq, payload in arrivals:
        position = (seq - first_seq) % 2**32
        pieces[position] = payload
        stream = bytearray()
        for start in sorted(pieces):
            stream += pieces[start][max(0, len(stream) - start):]
        acks.append((first_seq + len(stream)) % 2**32)
    return bytes(stream), acks

"""Returns a single ACK for the whole list instead of one per arriving segment."""

HINT_WORDS = ("one ACK number after every arriving segment",)


def reassemble(first_seq, arrivals):
    stream = bytearray()
    early = {}
    for seq, payload in arrivals:
        position = (seq - first_seq) % 2**32
        if position + len(payload) > len(stream) and len(payload) > len(early.get(position, b"")):
            early[position] = payload
        for start in sorted(early):
            if start <= len(stream):
                stream += early.pop(start)[len(stream) - start:]
    return bytes(stream), [(first_seq + len(stream)) % 2**32]

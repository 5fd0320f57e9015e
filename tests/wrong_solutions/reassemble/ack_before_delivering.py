"""Records the ACK before handing on the segment that just arrived: every ACK lags one segment behind."""

HINT_WORDS = ("next byte you expect",)


def reassemble(first_seq, arrivals):
    stream = bytearray()
    early = {}
    acks = []
    for seq, payload in arrivals:
        acks.append((first_seq + len(stream)) % 2**32)
        position = (seq - first_seq) % 2**32
        if position + len(payload) > len(stream) and len(payload) > len(early.get(position, b"")):
            early[position] = payload
        for start in sorted(early):
            if start <= len(stream):
                stream += early.pop(start)[len(stream) - start:]
    return bytes(stream), acks

"""Writes each payload with stream[pos:pos + n] = payload: past the end of a bytearray that appends, so early bytes land at the gap."""

HINT_WORDS = ("after a gap",)


def reassemble(first_seq, arrivals):
    stream = bytearray()
    acks = []
    for seq, payload in arrivals:
        position = (seq - first_seq) % 2**32
        stream[position:position + len(payload)] = payload
        acks.append((first_seq + len(stream)) % 2**32)
    return bytes(stream), acks

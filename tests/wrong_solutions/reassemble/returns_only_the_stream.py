"""Returns the stream alone, without the list of ACK numbers."""

HINT_WORDS = ("tuple (stream, acks)",)


def reassemble(first_seq, arrivals):
    pieces = {}
    for seq, payload in arrivals:
        pieces[(seq - first_seq) % 2**32] = payload
    stream = bytearray()
    for start in sorted(pieces):
        if start > len(stream):
            break
        stream += pieces[start][len(stream) - start:]
    return bytes(stream)

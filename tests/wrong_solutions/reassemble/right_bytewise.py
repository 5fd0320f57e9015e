"""Right, another shape: every byte kept by its position, the stream grown one byte at a time."""


def reassemble(first_seq, arrivals):
    have = {}
    stream = bytearray()
    acks = []
    for seq, payload in arrivals:
        start = (seq - first_seq) % 2**32
        for i, byte in enumerate(payload):
            have.setdefault(start + i, byte)
        while len(stream) in have:
            stream.append(have[len(stream)])
        acks.append((first_seq + len(stream)) % 2**32)
    return bytes(stream), acks

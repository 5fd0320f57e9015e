"""The worked solution from notebook 07."""


def reassemble(first_seq: int, arrivals: list[tuple[int, bytes]]) -> tuple[bytes, list[int]]:
    """Return the in-order stream and the ACK number sent after each arriving segment."""
    stream = bytearray()
    early = {}   # position in the stream -> bytes that arrived before their turn
    acks = []
    for seq, payload in arrivals:
        position = (seq - first_seq) % 2**32
        if position + len(payload) > len(stream):       # it holds at least one new byte
            if len(payload) > len(early.get(position, b"")):
                early[position] = payload
        moved = True
        while moved:                                     # hand on whatever now lines up
            moved = False
            for start in sorted(early):
                if start <= len(stream):
                    chunk = early.pop(start)
                    stream += chunk[len(stream) - start:]   # only the bytes not yet there
                    moved = True
        acks.append((first_seq + len(stream)) % 2**32)
    return bytes(stream), acks

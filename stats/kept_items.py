"""The ids a published figure counted, kept compact: sorted, delta-encoded, zlib-compressed."""

import zlib
from array import array


def pack(ids) -> bytes:
    ordered = sorted(set(ids))
    deltas = array("q", (b - a for a, b in zip([0, *ordered], ordered, strict=False)))
    return zlib.compress(deltas.tobytes(), 6)


def unpack(blob: bytes | memoryview) -> list[int]:
    deltas = array("q")
    deltas.frombytes(zlib.decompress(bytes(blob)))
    ids, total = [], 0
    for delta in deltas:
        total += delta
        ids.append(total)
    return ids

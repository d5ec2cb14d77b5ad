"""Near-duplicate detection: the same text republished, reordered or redacted
differently. MinHash signatures over normalised clauses are computed per
document (in the map); locality-sensitive hashing groups them in the reduce
without comparing every pair of documents."""
from __future__ import annotations

import hashlib
import re

import numpy as np

NUM_PERM = 64
# One random 64-bit salt per permutation; splitmix64's finaliser turns
# hash ^ salt into an independent-looking value (a bijection of 64-bit words).
_SALTS = np.random.RandomState(20221).randint(0, 2**63 - 1, size=NUM_PERM, dtype=np.int64).astype(np.uint64)
# Masks, digits and Chinese numerals all become one placeholder, so a redacted
# copy and its clear original have the same clauses.
_VALUE = re.compile(r"[×✕╳Xx＊*□■█○]+|[0-9０-９][0-9０-９.．,，]*|某某?")
_CLAUSE = re.compile(r"[。!?;！？；\n]+")
_DROP = re.compile(r"[\s\u3000，,、：:“”\"'‘’（）()（）《》〈〉【】\[\]［］·—\-－]+")
MIN_CLAUSE_CHARS = 6


def normalise(text: str) -> str:
    return _DROP.sub("", _VALUE.sub("#", text))


def clauses(text: str) -> list[str]:
    # The patterns name both the full-width and the ASCII forms of punctuation
    # and digits, so no Unicode normalisation pass is needed.
    parts = (_DROP.sub("", _VALUE.sub("#", part)) for part in _CLAUSE.split(text))
    return [part for part in parts if len(part) >= MIN_CLAUSE_CHARS]


def fingerprint(text: str) -> tuple[int, ...]:
    """A MinHash signature of the document's set of normalised clauses."""
    items = set(clauses(text))
    if not items:
        return ()
    hashes = np.fromiter(
        (int.from_bytes(hashlib.blake2b(c.encode("utf-8"), digest_size=8).digest(), "little") for c in items),
        dtype=np.uint64,
        count=len(items),
    )
    return tuple(int(v) for v in _mix(hashes[None, :] ^ _SALTS[:, None]).min(axis=1))


def _mix(z: np.ndarray) -> np.ndarray:
    # uint64 arithmetic wraps modulo 2**64, which is what splitmix64 expects.
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def similarity(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    if not a or not b:
        return 0.0
    return float(np.mean(np.array(a, dtype=np.uint64) == np.array(b, dtype=np.uint64)))


def group_near_duplicates(signatures: list[tuple[int, ...]], threshold: float = 0.5, bands: int = 16) -> list[int]:
    """Group index per document: documents whose signatures agree in at least one
    LSH band and whose estimated Jaccard similarity reaches ``threshold``."""
    parent = list(range(len(signatures)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    rows = NUM_PERM // bands
    buckets: dict[tuple, list[int]] = {}
    for index, signature in enumerate(signatures):
        if not signature:
            continue
        for band in range(bands):
            key = (band, signature[band * rows : (band + 1) * rows])
            buckets.setdefault(key, []).append(index)
    for members in buckets.values():
        if len(members) < 2:
            continue
        # Compare each member with the bucket's first few only: a chain is enough
        # for union-find, and it keeps big buckets linear.
        for anchor in members[:3]:
            for other in members:
                if other != anchor and find(other) != find(anchor) and similarity(signatures[anchor], signatures[other]) >= threshold:
                    parent[find(other)] = find(anchor)
    return [find(i) for i in range(len(signatures))]

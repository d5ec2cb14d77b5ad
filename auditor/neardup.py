"""Near-duplicate detection: the same text republished, reordered or redacted
differently. MinHash signatures over normalised clauses are computed per
document (in the map); locality-sensitive hashing groups them in the reduce
without comparing every pair of documents."""
from __future__ import annotations

import hashlib
import re
import unicodedata

import numpy as np

NUM_PERM = 64
_MERSENNE = np.uint64((1 << 61) - 1)
_rng = np.random.RandomState(20221)
_A = _rng.randint(1, 1 << 31, size=NUM_PERM, dtype=np.uint64)
_B = _rng.randint(0, 1 << 31, size=NUM_PERM, dtype=np.uint64)
# Masks, digits and Chinese numerals all become one placeholder, so a redacted
# copy and its clear original have the same clauses.
_VALUE = re.compile(r"[×✕╳Xx＊*□■█○]+|[0-9０-９][0-9０-９.．,，]*|某某?")
_CLAUSE = re.compile(r"[。！？；\n]+")
_DROP = re.compile(r"[\s\u3000，、：“”\"'‘’（）()《》〈〉【】\[\]·—\-]+")
MIN_CLAUSE_CHARS = 6


def normalise(text: str) -> str:
    return _DROP.sub("", _VALUE.sub("#", unicodedata.normalize("NFKC", text)))


def clauses(text: str) -> list[str]:
    return [c for c in (normalise(part) for part in _CLAUSE.split(text)) if len(c) >= MIN_CLAUSE_CHARS]


def fingerprint(text: str) -> tuple[int, ...]:
    """A MinHash signature of the document's set of normalised clauses."""
    items = set(clauses(unicodedata.normalize("NFKC", text)))
    if not items:
        return ()
    hashes = np.fromiter(
        (int.from_bytes(hashlib.blake2b(c.encode("utf-8"), digest_size=8).digest(), "little") >> 3 for c in items),
        dtype=np.uint64,
        count=len(items),
    )
    # (a*x + b) mod p, vectorised over permutations × clauses; the products stay
    # below 2**64 because x < 2**61 and a < 2**31 is not guaranteed, so reduce x first.
    x = hashes % np.uint64(1 << 31)
    values = (np.outer(_A, x) + _B[:, None]) % _MERSENNE
    return tuple(int(v) for v in values.min(axis=1))


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

"""Near-duplicate detection: the same text republished, reordered or redacted
differently. MinHash signatures over normalised clauses are computed per
document (in the map); locality-sensitive hashing groups them in the reduce
without comparing every pair of documents."""
from __future__ import annotations

import hashlib
import re

import numpy as np

from ..memo import SIZES
from ..rules import default_mask_characters

NUM_PERM = 64
# One random 64-bit salt per permutation; splitmix64's finaliser turns
# hash ^ salt into an independent-looking value (a bijection of 64-bit words).
_SALTS = np.random.RandomState(20221).randint(0, 2**63 - 1, size=NUM_PERM, dtype=np.int64).astype(np.uint64)
# Masks, digits and Chinese numerals all become one placeholder, so a redacted
# copy and its clear original have the same clauses.
_MASKS = default_mask_characters()
_VALUE = re.compile(f"[{re.escape(_MASKS.symbols + _MASKS.letters)}]+|[0-9０-９][0-9０-９.．,，]*|某某?")
_CLAUSE = re.compile(r"[。!?;！？；\n]+")
_DROP = re.compile(r"[\s\u3000，,、：:“”\"'‘’（）()（）《》〈〉【】\[\]［］·—\-－]+")
# The same, keeping the line breaks that end clauses, for a whole text at once.
# Its whitespace is spelt out (\s less \n): a negated class scans at half speed.
_DROP_IN_CLAUSE = re.compile(
    r"[\t\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
    r"，,、：:“”\"'‘’（）()（）《》〈〉【】\[\]［］·—\-－]+"
)
MIN_CLAUSE_CHARS = 6


def normalise(text: str) -> str:
    return _DROP.sub("", _VALUE.sub("#", text))


def _normalise_keeping_breaks(text: str) -> str:
    # The patterns name both the full-width and the ASCII forms of punctuation
    # and digits, so no Unicode normalisation pass is needed. No value or
    # dropped run spans a clause break, so a whole text is normalised in one
    # pass and then cut (a pass per clause cost a sixth of the map).
    return _DROP_IN_CLAUSE.sub("", _VALUE.sub("#", text))


def _long_clauses(normalised: str) -> list[str]:
    return [part for part in _CLAUSE.split(normalised) if len(part) >= MIN_CLAUSE_CHARS]


def clauses(text: str) -> list[str]:
    return _long_clauses(_normalise_keeping_breaks(text))


def _clause_hash(clause: str) -> int:
    return int.from_bytes(hashlib.blake2b(clause.encode("utf-8"), digest_size=8).digest(), "little")


def _signature(hashes: set[int]) -> tuple[int, ...]:
    if not hashes:
        return ()
    values = np.fromiter(hashes, dtype=np.uint64, count=len(hashes))
    return tuple(_mix(values[None, :] ^ _SALTS[:, None]).min(axis=1).tolist())


def fingerprint(text: str) -> tuple[int, ...]:
    """A MinHash signature of the document's set of normalised clauses."""
    return _signature({_clause_hash(c) for c in clauses(text)})


class Fingerprinter:
    """:func:`fingerprint`, remembering the clause hashes of the lines it has
    seen. No clause spans a line break, and copies of a text (the case this
    module exists for) share most of their lines."""

    def __init__(self, cache_size: int | None = None) -> None:
        self.cache_size = SIZES["fingerprint-lines"] if cache_size is None else cache_size
        self._lines: dict[str, tuple[int, ...]] = {}

    def __call__(self, text: str) -> tuple[int, ...]:
        lines = self._lines
        split = text.split("\n")
        new = [line for line in dict.fromkeys(split) if line not in lines]
        if new:
            if len(lines) + len(new) > self.cache_size:
                lines.clear()
                new = list(dict.fromkeys(split))
            # The new lines are normalised together: one regex pass, not one per line.
            normalised = _normalise_keeping_breaks("\n".join(new)).split("\n")
            for line, norm in zip(new, normalised):
                lines[line] = tuple(map(_clause_hash, _long_clauses(norm)))
        hashes: set[int] = set()
        for line in split:
            hashes.update(lines[line])
        return _signature(hashes)


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

"""The common interface of the clue finder's recognizers (auditor.map.clues,
auditor.map.recognizers.codes): each has a ``kind`` (admin, abbreviation, landmark, unverified,
code) and ``find(text, segmenter)``, which yields a :class:`ClueMatch` for each
candidate in one line of text; the finder then settles overlaps and judges
ordinary words."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import daachorse


@dataclass(frozen=True, slots=True)
class ClueMatch:
    """What a recognizer found, before the finder picks among overlaps."""

    start: int
    end: int
    candidates: tuple[int, ...]
    rule: str
    level: str = ""
    short_form: bool = False
    core_end: int = -1  # where an administrative name's unit suffix begins (its end for a short form)
    ordinary: float = 0.0  # see auditor.map.ordinary
    in_company_name: bool = False  # 大连 of 大连××包装有限公司


class NameTable:
    """Names with what a match needs, and a leftmost-longest Aho-Corasick
    matcher over them: daachorse's character-wise double array, which on this
    gazetteer builds in a quarter of ahocorasick-rs's time (it is built at each
    start, so a one-file `auditor check` pays it) and matches about twice as
    fast, with the same matches (``make bench``'s matchers table)."""

    def __init__(self, entries: list[tuple]):
        self.entries = entries
        self._matcher = daachorse.CharwiseDoubleArrayAhoCorasick(
            [entry[0] for entry in entries], match_kind=daachorse.MATCH_KIND_LEFTMOST_LONGEST
        )

    def matches(self, text: str) -> list[tuple[int, int, int]]:
        """(start, end, entry index) of each leftmost-longest match, in character offsets, in order."""
        return self._matcher.find(text)


class Recognizer(Protocol):
    """What the clue finder asks of a recognizer: the kind of clue it finds
    (admin, abbreviation, landmark, zone, old-name, code, geography, unverified)
    and, for one line of text, the candidates it sees there."""

    kind: str

    def find(self, text: str, segmenter) -> Iterable[ClueMatch]:
        ...

"""The common interface of the clue finder's recognizers (auditor.clues,
auditor.codes): each has a ``kind`` (admin, abbreviation, landmark, unverified,
code) and ``find(text, segmenter)``, which yields a :class:`ClueMatch` for each
candidate in one line of text; the finder then settles overlaps and judges
ordinary words."""
from __future__ import annotations

from dataclasses import dataclass


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
    ordinary: float = 0.0  # see auditor.ordinary
    in_company_name: bool = False  # 大连 of 大连××包装有限公司

"""Proper names (…河, …寺, …中学) that no knowledge file places, for a reviewer to look up."""
from __future__ import annotations

import re

import regex

from ...gazetteer import Gazetteer
from .base import ClueMatch
from ...rules import ClueRules
from ..segment import Segmenter


class UnverifiedNameRecognizer:
    """Proper names ending in 河, 寺, 中学 … that no knowledge file places.

    The name is the word the segmenter sees ending in the suffix (滹沱河), or
    the word right before a suffix that stands alone (天涯 + 山)."""

    kind = "unverified"
    _STOP = set("的了和与及在是等对为把被从向于以将也都而且或个这那其各我你他她它们年月日市县区省镇乡村")

    def __init__(self, gazetteer: Gazetteer, clue_rules: ClueRules):
        self.gazetteer = gazetteer
        self.rules = clue_rules
        suffixes = "|".join(re.escape(s) for s in clue_rules.unverified_suffixes)
        # Only places where a proper stem can precede the suffix cost a segmentation.
        # Built of literal suffixes, it cannot backtrack badly: no time bound.
        self.regex = regex.compile(rf"(?<=[\u4e00-\u9fff]{{{clue_rules.min_stem_chars}}})(?:{suffixes})") if suffixes else None

    def _name_ending_at(self, text: str, suffix_start: int, end: int, segmenter: Segmenter) -> tuple[int, int] | None:
        spans = segmenter.word_spans(text, suffix_start, end)
        for s, e in spans:
            if e == end and s < suffix_start:
                return s, e  # one word holds stem and suffix: 滹沱河
        # The suffix must stand alone: in 所有关心 or 坚持山水 it begins a word.
        if any(s == suffix_start and e > end for s, e in spans):
            return None
        for s, e in spans:
            if e == suffix_start:
                return s, end  # stem word, then the suffix: 天涯 + 山
        return None

    def find(self, text: str, segmenter: Segmenter):
        if self.regex is None:
            return
        common = self.gazetteer.is_common_word
        for match in self.regex.finditer(text):
            suffix_start, end = match.start(), match.end()
            stem_guess = text[suffix_start - self.rules.min_stem_chars : suffix_start]
            if any(ch in self._STOP for ch in stem_guess) or common(stem_guess):
                continue
            found = self._name_ending_at(text, suffix_start, end, segmenter)
            if found is None:
                continue
            start = found[0]
            stem = text[start:suffix_start]
            if len(stem) < self.rules.min_stem_chars or any(ch in self._STOP for ch in stem) or common(stem):
                continue
            yield ClueMatch(start, end, (), f"proper name ending in {match.group()}, not in any knowledge file")

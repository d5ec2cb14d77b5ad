"""One-character forms of a county or prefecture in fixed patterns (驻原部队, 忻原大道)."""
from __future__ import annotations


import regex

from ...gazetteer import Gazetteer
from .base import ClueMatch
from ...rules import AbbreviationPattern, match_timeout, rule_timeout, Rules
from ..segment import Segmenter, shared_segmenter


class AbbreviationRecognizer:
    """One character standing for a county or prefecture in a fixed pattern."""

    kind = "abbreviation"

    def __init__(self, gazetteer: Gazetteer, rules: Rules, lexicon: frozenset[str] | None = None):
        self.gazetteer = gazetteer
        self.lexicon = lexicon if lexicon is not None else shared_segmenter("lexicon").lexicon
        self.patterns = rules.abbreviations
        # first character of a county's or prefecture's short form -> those units
        initials: dict[str, list[int]] = {}
        # uid -> (level, prefecture, province, short), looked up once here
        self.info: dict[int, tuple[str, int | None, int | None, str]] = {}
        for level in ("prefecture", "county"):
            for uid in gazetteer.units_at(level):
                short = gazetteer.units[uid].short
                if short:
                    initials.setdefault(short[0], []).append(uid)
                    self.info[uid] = (level, gazetteer.prefecture_of(uid), gazetteer.province_of(uid), short)
        self.by_initial = {k: tuple(v) for k, v in initials.items()}

    def _related(self, a: int, b: int) -> bool:
        level_a, prefecture_a, province_a, _ = self.info[a]
        level_b, prefecture_b, province_b, _ = self.info[b]
        if prefecture_a is not None and prefecture_a == prefecture_b:
            return True
        # two prefectures of one province (太忻 = 太原 + 忻州)
        return level_a == level_b == "prefecture" and province_a == province_b

    def find(self, text: str, segmenter: Segmenter):
        timeout = match_timeout(text)
        for pattern in self.patterns:
            if not pattern.may_match(text):
                continue
            if pattern.fast is not None:
                matches = pattern.fast.finditer(text)
            else:
                try:
                    matches = list(pattern.regex.finditer(text, timeout=timeout))
                except TimeoutError:
                    raise rule_timeout(pattern.where, timeout) from None
            for match in matches:
                if pattern.pair:
                    yield from self._pair(match, pattern)
                    continue
                for group, char in match.groupdict().items():
                    # 驻外机构, 驻军单位: the character and the one before it are a word.
                    if char and text[max(0, match.start(group) - 1) : match.end(group)] in self.lexicon:
                        continue
                    if char and group.startswith("a") and char in self.by_initial:
                        yield ClueMatch(match.start(group), match.end(group), self.by_initial[char],
                                        f"abbreviation pattern {pattern.name}: {char} = first character of a place")

    def _pair(self, match: regex.Match, pattern: AbbreviationPattern):
        # 中山大道 is named after a word (中山), not after 中站 + 山阳.
        if match.group("a") + match.group("b") in self.lexicon:
            return
        first = self.by_initial.get(match.group("a"), ())
        second = self.by_initial.get(match.group("b"), ())
        pairs = [(a, b) for a in first for b in second if a != b and self._related(a, b)]
        if not pairs or len(pairs) > 12:
            return
        uids = tuple(sorted({u for pair in pairs for u in pair}))
        names = " + ".join(sorted({f"{self.info[a][3]}+{self.info[b][3]}" for a, b in pairs}))
        yield ClueMatch(match.start("a"), match.end("b"), uids,
                        f"abbreviation pattern {pattern.name}: two related places joined ({names})")

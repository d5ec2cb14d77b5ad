"""Codes in clear text that name a place: administrative division codes
(140981 = 原平市) and telephone area codes (0350 = 忻州), where ``rules/codes.toml``
says a code stands. A reader who sees 邮政编码 or 电话(0350)… beside a masked
name looks the code up; so does this recognizer, in jionlp's tables (the
gazetteer cache holds both)."""
from __future__ import annotations

from collections.abc import Iterator

from .gazetteer import Gazetteer
from .recognizer import ClueMatch
from .rules import MATCH_TIMEOUT_SECONDS, Rules, rule_timeout


# What a code of each kind says, in a reviewer's words (the clue's rule, shown in the report).
_MEANING = {"admin-code": "the administrative division code of", "area-code": "the telephone area code of"}


class CodeRecognizer:
    """One recognizer of the clue finder (auditor.recognizer's interface)."""

    kind = "code"

    def __init__(self, gazetteer: Gazetteer, rules: Rules):
        self.gazetteer = gazetteer
        self.patterns = rules.codes

    def unit(self, kind: str, code: str) -> int | None:
        if kind == "admin-code":
            return self.gazetteer.unit_of_code(code)
        return self.gazetteer.area_codes.get(code)

    def find(self, text: str, segmenter=None) -> Iterator[ClueMatch]:
        if not any(ch.isdigit() for ch in text):
            return
        for pattern in self.patterns:
            try:
                matches = list(pattern.regex.finditer(text, timeout=MATCH_TIMEOUT_SECONDS))
            except TimeoutError:
                raise rule_timeout(pattern.where, MATCH_TIMEOUT_SECONDS) from None
            for match in matches:
                start, end = match.span("code")
                uid = self.unit(pattern.kind, match.group("code"))
                if uid is None or self._followed_by_other(pattern, text, end):
                    continue
                yield ClueMatch(start, end, (uid,), f"{_MEANING[pattern.kind]} {self.gazetteer.path(uid)} "
                                f"(codes.toml {pattern.name})", level=self.gazetteer.level_of(uid))

    @staticmethod
    def _followed_by_other(pattern, text: str, end: int) -> bool:
        if pattern.not_after is None:
            return False
        try:
            return pattern.not_after.match(text[end : end + 8], timeout=MATCH_TIMEOUT_SECONDS) is not None
        except TimeoutError:
            raise rule_timeout(f"{pattern.where} not_after", MATCH_TIMEOUT_SECONDS) from None

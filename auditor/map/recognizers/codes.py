"""Codes in clear text that name a place, where ``rules/codes.toml`` says a code
stands: administrative division codes (140981 = 原平市), telephone area codes
(0350 = 忻州), the first six digits of a resident ID number (the county of
household registration), the court code of a case number ((2024)晋0981民初123号:
the court of 原平市), number-plate prefixes (晋H = 忻州市, ``rules/plates.tsv``)
and postal codes (034100 = 原平市, the county seat's code in china-region's table).
A reader who sees 邮政编码, 电话(0350)…, a case number or a plate beside a masked
name looks the code up; so does this recognizer, in jionlp's tables (the
gazetteer cache holds both) and the rule tables."""
from __future__ import annotations

import re
from collections.abc import Iterator

from ...gazetteer import Gazetteer
from .base import ClueMatch
from ...i18n import N_
from ...rules import CODE_NOT_BEFORE_CHARS, MATCH_TIMEOUT_SECONDS, rule_timeout, Rules


# What a code of each kind says, in a reviewer's words (the clue's rule, shown
# in the report): {path} is the unit's gazetteer path; and its short name
# (auditor check's "postal code pointing at …", translated there; make eval's kinds).
_MEANING = {
    "admin-code": ("the administrative division code of {path}", N_("division code")),
    "area-code": ("the telephone area code of {path}", N_("area code")),
    "id-card": ("the household-registration code of {path} in an ID number", N_("ID number")),
    "court-case": ("the court code of {path} in a case number", N_("case number")),
    "plate": ("the number-plate prefix of {path}", N_("number plate")),
    "postal-code": ("the postal code of {path}", N_("postal code")),
}
CODE_LABELS = tuple(label for _, label in _MEANING.values())


def code_label(rule: str) -> str:
    """The short name of the code a code clue's rule describes ("postal code")."""
    return next((label for words, label in _MEANING.values() if rule.startswith(words.split(" {path}")[0])), N_("code"))

# GB 11643: the weights of the first 17 characters, and the check character by the sum modulo 11.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# A plate prefix's letter (as the normaliser leaves it: half-width, upper case).
_PLATE_LETTER = re.compile("[A-HJ-NP-Z]")


def id_check_digit_holds(number: str) -> bool:
    """True if an 18-character ID number ends in its GB 11643 check character;
    a number with a masked character (*, ×) cannot be checked and passes."""
    if len(number) != 18 or not number[:17].isdigit() or not (number[17].isdigit() or number[17] in "Xx"):
        return True
    total = sum(int(ch) * weight for ch, weight in zip(number, _ID_WEIGHTS))
    return _ID_CHECK[total % 11] == number[17].upper()


class CodeRecognizer:
    """One recognizer of the clue finder (auditor.map.recognizers.base's interface)."""

    kind = "code"

    def __init__(self, gazetteer: Gazetteer, rules: Rules):
        self.gazetteer = gazetteer
        self.patterns = rules.codes

    def unit(self, pattern, code: str) -> tuple[int | None, str]:
        """The unit ``code`` names under ``pattern``'s kind, and where the table
        that says so stands (for the rule's words)."""
        kind = pattern.kind
        if kind in ("admin-code", "id-card"):
            return self.gazetteer.unit_of_code(code), ""
        if kind == "area-code":
            return self.gazetteer.area_codes.get(code), ""
        if kind == "postal-code":
            # 034000 is the code of 忻州's seat: the county (忻府区), which the prefecture's row shares.
            units = self.gazetteer.postal_codes.get(code, ())
            counties = [u for u in units if self.gazetteer.level_of(u) == "county"]
            return (counties[0] if len(counties) == 1 else units[0] if len(units) == 1 else None), ""
        found = (pattern.table or {}).get(code[0] if kind == "court-case" else code)
        if found is None:
            return None, ""
        value, where = found
        if kind == "plate":
            # tests/test_codes.py checks that every row's path is known; one that is not names nothing
            return self.gazetteer.unit_of_path(value), where
        # court-case: 晋0981 -> 140981 (a basic court); 晋09 -> 140900 (an intermediate court).
        digits = code[1:]
        return self.gazetteer.unit_of_code(value + digits + "0" * (4 - len(digits))), ""

    def find(self, text: str, segmenter=None) -> Iterator[ClueMatch]:
        has_digit = any(ch.isdigit() for ch in text)
        # What each kind cannot do without (a quick test, before the patterns run).
        may = {"plate": _PLATE_LETTER.search(text) is not None, "court-case": has_digit and "号" in text}
        # One clue per span: the first pattern's, except that any other kind wins
        # over admin-code (140981 of an ID number is the ID's, not a bare code).
        found: dict[tuple[int, int], tuple[bool, ClueMatch]] = {}
        for pattern in self.patterns:
            if not may.get(pattern.kind, has_digit):
                continue  # only a named plate prefix (车牌晋H) stands without a digit
            try:
                matches = list(pattern.regex.finditer(text, timeout=MATCH_TIMEOUT_SECONDS))
            except TimeoutError:
                raise rule_timeout(pattern.where, MATCH_TIMEOUT_SECONDS) from None
            bare = pattern.kind == "admin-code"
            for match in matches:
                span = start, end = match.span("code")
                if span in found and (bare or not found[span][0]):
                    continue
                uid, where = self.unit(pattern, match.group("code"))
                if uid is None or self._followed_by_other(pattern, text, end) \
                        or self._preceded_by_other(pattern, text, match.start()):
                    continue
                if pattern.check_digit and not id_check_digit_holds(text[start : start + 18]):
                    continue
                source = f"{where}, codes.toml {pattern.name}" if where else f"codes.toml {pattern.name}"
                found[span] = bare, ClueMatch(
                    start, end, (uid,), f"{_MEANING[pattern.kind][0].format(path=self.gazetteer.path(uid))} ({source})",
                    level=self.gazetteer.level_of(uid))
        for _, clue in sorted(found.values(), key=lambda kept: kept[1].start):
            yield clue

    @staticmethod
    def _followed_by_other(pattern, text: str, end: int) -> bool:
        if pattern.not_after is None:
            return False
        try:
            return pattern.not_after.match(text[end : end + 8], timeout=MATCH_TIMEOUT_SECONDS) is not None
        except TimeoutError:
            raise rule_timeout(f"{pattern.where} not_after", MATCH_TIMEOUT_SECONDS) from None

    @staticmethod
    def _preceded_by_other(pattern, text: str, start: int) -> bool:
        if pattern.not_before is None:
            return False
        before = text[max(0, start - CODE_NOT_BEFORE_CHARS) : start]
        try:
            return pattern.not_before.search(before, timeout=MATCH_TIMEOUT_SECONDS) is not None
        except TimeoutError:
            raise rule_timeout(f"{pattern.where} not_before", MATCH_TIMEOUT_SECONDS) from None

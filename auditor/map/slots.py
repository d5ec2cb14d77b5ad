"""Classifying redaction slots: what kind of value each mask run hides."""
from __future__ import annotations

import bisect
import functools
import re
from array import array
from dataclasses import dataclass
from typing import Callable

import regex

from .masks import MaskRun
from ..records import Slot
from ..rules import MATCH_TIMEOUT_SECONDS, SlotRule, SlotRules, bounded_re, rule_timeout


@dataclass(frozen=True)
class SlotClass:
    slot_type: str
    unit: str
    place_level: str
    rule: str


class LineIndex:
    """Maps character offsets to 1-based (line, column)."""

    def __init__(self, text: str):
        # An array: a list held an int object per line, 36 bytes rather than 8.
        self._starts = array("q", [0])
        self._starts.extend(m.end() for m in re.finditer("\n", text))

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self._starts, offset)
        return line, offset - self._starts[line - 1] + 1


CLASSIFY_CACHE_SIZE = 1 << 17


class SlotClassifier:
    """Applies the ordered rules of ``slots.toml`` to the clear text around a mask."""

    def __init__(self, rules: SlotRules):
        self.rules = rules
        units = "|".join(re.escape(u) for u in rules.units)
        # 多/余 sit between a number and its unit (×多处, ×余册), and so do the
        # clear decimals of a masked number (×.5亿元).
        self._unit = regex.compile(rf"^[ \t\u3000]*(?:[.．]\d+)?(?:多|余)?(?P<unit>{units})") if units else None
        self._decided: dict[tuple[str, str, str], SlotClass] = {}
        self._tests = tuple((rule, _tests(rule, rules.context_chars)) for rule in rules.rules)

    def unit_after(self, right: str) -> str:
        if self._unit is None:
            return ""
        match = self._unit.match(right)
        return match.group("unit") if match else ""

    def decide(self, left: str, right: str, mask: str = "") -> tuple[tuple[str, str, str], SlotClass]:
        """The surroundings (left, right, mask) as first seen, and their class.
        Copies of a text, and the same phrase in one (×个百分点), repeat a
        slot's surroundings: each is classified once, and its slots all hold
        the first-seen strings (a slot's contexts were half its memory)."""
        key = (left, right, mask)
        entry = self._decided.get(key)
        if entry is None:
            if len(self._decided) >= CLASSIFY_CACHE_SIZE:
                self._decided.clear()
            entry = self._decided[key] = (key, self._classify(left, right, mask))
        return entry

    def classify(self, left: str, right: str, mask: str = "") -> SlotClass:
        return self.decide(left, right, mask)[1]

    def _classify(self, left: str, right: str, mask: str) -> SlotClass:
        unit = self.unit_after(right)
        # A spaced mask's suffix counts as if it stood next to it (XX 镇).
        right = right.lstrip(" \t\u3000")
        seen = (mask, left, right)
        for rule, tests in self._tests:
            if rule.takes_unit and not unit:
                continue
            try:
                for which, search in tests:
                    if search(seen[which]) is None:
                        break
                else:
                    return SlotClass(
                        rule.slot_type,
                        unit if rule.slot_type == "number" else "",
                        rule.level if rule.slot_type == "place" else "",
                        rule.name,
                    )
            except TimeoutError:
                raise rule_timeout(rule.where, MATCH_TIMEOUT_SECONDS) from None
        return SlotClass("unknown", "", "", "no-rule")


def _tests(rule: SlotRule, context_chars: int) -> tuple[tuple[int, Callable], ...]:
    """A rule's searches, as (0 mask | 1 left | 2 right, search): under ``re``
    when a pattern cannot backtrack badly on a context of ``context_chars``
    characters (regex's time bound costs ten times these short searches) and
    tried first, else under regex with the fixed part of the time bound."""
    tests = []
    for which, pattern in enumerate((rule.mask, rule.before, rule.after)):
        if pattern is None:
            continue
        # The contexts are cut to context_chars; a mask run can be any length.
        bounded = bounded_re(pattern.pattern, input_chars=None if which == 0 else context_chars)
        if bounded is not None:
            tests.append((0, which, bounded.search))
        else:
            tests.append((1, which, functools.partial(pattern.search, timeout=MATCH_TIMEOUT_SECONDS)))
    return tuple((which, search) for _, which, search in sorted(tests, key=lambda test: test[:2]))


def build_slots(doc: str, text: str, runs: list[MaskRun], classifier: SlotClassifier) -> list[Slot]:
    width = classifier.rules.context_chars
    lines = LineIndex(text)
    slots = []
    for index, (start, end, mask, _) in enumerate(runs, start=1):
        (left, right, mask), decided = classifier.decide(text[max(0, start - width) : start], text[end : end + width], mask)
        line, column = lines.position(start)
        # Positional: keyword arguments cost a third more, on every slot of a corpus.
        slots.append(Slot(doc, f"S{index:04d}", start, end, line, column, mask, left, right,
                          decided.slot_type, decided.unit, decided.place_level, decided.rule))
    return slots

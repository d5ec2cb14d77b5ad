"""Finding mask runs: where the redactor replaced text with placeholder glyphs."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .rules import MaskRules


@dataclass(frozen=True)
class MaskRun:
    start: int
    end: int
    text: str
    glyph: str  # name of the [[glyph]] rule that found it


class MaskFinder:
    """Finds mask runs in a text with the glyph and exception patterns of ``masks.toml``."""

    def __init__(self, rules: MaskRules):
        self.rules = rules
        # One alternation per glyph kind keeps the scan to a single pass of the text.
        self._glyphs = re.compile("|".join(f"(?P<g{i}>{g.regex.pattern})" for i, g in enumerate(rules.glyphs)))
        self._glyph_names = [g.name for g in rules.glyphs]
        # A cheap pre-test: texts without any glyph character skip the exception passes.
        self._exceptions = rules.exceptions

    def _excluded(self, text: str, lo: int, hi: int) -> list[tuple[int, int]]:
        """Spans inside [lo, hi) that an exception says are not masks."""
        spans = []
        window = text[lo:hi]
        for exception in self._exceptions:
            for match in exception.regex.finditer(window):
                groups = [name for name in match.groupdict() if name.startswith("m") and match.group(name) is not None]
                if groups:
                    spans.extend((lo + match.start(g), lo + match.end(g)) for g in groups)
                else:
                    spans.append((lo + match.start(), lo + match.end()))
        return spans

    def find(self, text: str) -> list[MaskRun]:
        runs = []
        for match in self._glyphs.finditer(text):
            kind = match.lastgroup
            runs.append(MaskRun(match.start(), match.end(), match.group(), self._glyph_names[int(kind[1:])]))
        if not runs or not self._exceptions:
            return runs
        kept = []
        for run in runs:
            # Exceptions are judged on the run's line, so that ^ and $ mean what
            # a rule writer expects and the cost stays local.
            lo = text.rfind("\n", 0, run.start) + 1
            hi = text.find("\n", run.end)
            hi = len(text) if hi < 0 else hi
            spans = self._excluded(text, lo, hi)
            if not any(s <= run.start and run.end <= e for s, e in spans):
                kept.append(run)
        return kept

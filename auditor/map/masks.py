"""Finding mask runs: where the redactor replaced text with placeholder glyphs."""
from __future__ import annotations

import bisect
import itertools
from typing import NamedTuple

import regex

from ..rules import MaskJoin, MaskRules, NamedPattern, match_timeout


class MaskRun(NamedTuple):
    # A tuple, not a frozen dataclass: a text can hold thousands of runs, and
    # a frozen dataclass sets each field through object.__setattr__.
    start: int
    end: int
    text: str
    glyph: str  # name of the [[glyph]] rule that found it


def _by_start_longest_first(run: MaskRun) -> tuple[int, int]:
    return run.start, -run.end


def _runs(patterns: tuple[NamedPattern, ...], text: str, timeout: float) -> list[MaskRun]:
    """The runs the patterns find, by start, longest first. One pass per
    pattern: each glyph is a simple class that scans quickly, where a single
    alternation of them all is several times slower. A zero-width match (a
    look-around alone) is never a run."""
    runs = [
        MaskRun(*m.span(), m.group(), pattern.name)
        for pattern in patterns
        if pattern.may_match(text)
        for m in pattern.matches(text, timeout)
        if m.end() > m.start()
    ]
    runs.sort(key=_by_start_longest_first)
    return runs


class MaskFinder:
    """Finds mask runs in a text with the glyph and exception patterns of ``masks.toml``."""

    def __init__(self, rules: MaskRules):
        self.rules = rules
        self._exceptions = rules.exceptions
        # Most runs a few characters apart are not joined (×市×县): one search
        # of all the joins' gaps at once rules them out.
        self._any_gap = regex.compile("|".join(f"(?:{join.between.pattern})" for join in rules.joins)) if rules.joins else None

    def _excluded(self, text: str, timeout: float) -> list[tuple[int, int]]:
        """Sorted spans of ``text`` that an exception says are not masks."""
        spans = []
        for exception in self._exceptions:
            if not exception.may_match(text):
                continue
            for match in exception.matches(text, timeout):
                groups = [name for name in match.groupdict() if name.startswith("m") and match.group(name) is not None]
                if groups:
                    spans.extend((match.start(g), match.end(g)) for g in groups)
                else:
                    spans.append((match.start(), match.end()))
        spans.sort()
        return spans

    def find(self, text: str) -> list[MaskRun]:
        """The mask runs of ``text``, runs that make one slot joined (x.x, X年X月);
        TimeoutError (naming the rule) when a pattern runs past
        :func:`~auditor.rules.match_timeout`."""
        timeout = match_timeout(text)
        runs = self._kept(_runs(self.rules.glyphs, text, timeout), text, timeout)
        return _joined(runs, text, self.rules.joins, self._any_gap) if self.rules.joins else runs

    def _kept(self, runs: list[MaskRun], text: str, timeout: float) -> list[MaskRun]:
        """The runs no exception covers."""
        if not runs or not self._exceptions:
            return runs
        # One pass of each exception over the whole text, only when a mask-like
        # run exists; exception patterns use (?m) where they mean line starts.
        spans = self._excluded(text, timeout)
        starts = [s for s, _ in spans]
        # reach[i]: the furthest end among spans[:i + 1]; a run is covered when
        # some span starting at or before it reaches past its end.
        reach = list(itertools.accumulate((e for _, e in spans), max))
        kept = []
        for run in runs:
            index = bisect.bisect_right(starts, run.start)
            if index == 0 or reach[index - 1] < run.end:
                kept.append(run)
        return kept

    def suspects(self, text: str, known: list[MaskRun] = ()) -> list[MaskRun]:
        """Runs that look like masks but that no glyph knows (◆◆县, ★★市), outside
        the ``known`` runs: a document holding only these is not taken as unmasked."""
        if not self.rules.suspects:
            return []
        found = _runs(self.rules.suspects, text, match_timeout(text))
        return [run for run in found if not any(k.start < run.end and run.start < k.end for k in known)]


# The text between two runs that a join may bridge: a separator or a date's
# 年/月, never more (a join pattern is tried only on gaps this short).
_MAX_JOIN_GAP = 4


def _join(joins: tuple[MaskJoin, ...], text: str, first: MaskRun, second: MaskRun):
    """The match of ``then`` (a date's closing 月/日), True, or None: how, if at
    all, ``second`` joins ``first``."""
    gap = text[first.end : second.start]
    for join in joins:
        if join.between.fullmatch(gap):
            if join.then is None:
                return True
            closing = join.then.match(text, second.end)
            if closing is not None:
                return closing
    return None


def _joined(runs: list[MaskRun], text: str, joins: tuple[MaskJoin, ...], any_gap) -> list[MaskRun]:
    """Runs that make one slot (x.x, × ×, X/X/XX, X年X月X日) merged into one,
    from the first run's start to the last one's end, named by the first
    glyph. A date's closing mark (the 日 of X月X日) belongs to its slot."""
    merged: list[MaskRun] = []
    closing: list = []  # per merged run: the closing mark of its last join, if any

    def close() -> None:
        mark = closing[-1]
        if mark is not None and mark is not True:
            last = merged[-1]
            merged[-1] = MaskRun(last.start, mark.end(), text[last.start : mark.end()], last.glyph)

    for run in runs:
        last = merged[-1] if merged else None
        near = (last is not None and 0 < run.start - last.end <= _MAX_JOIN_GAP
                and any_gap.fullmatch(text, last.end, run.start) is not None)
        how = _join(joins, text, last, run) if near else None
        if how is not None:
            merged[-1] = MaskRun(last.start, run.end, text[last.start : run.end], last.glyph)
            closing[-1] = how
        else:
            if merged:
                close()
            merged.append(run)
            closing.append(None)
    if merged:
        close()
    return merged

"""Clues: clear text that points at places.

Recognizers, one per kind of clue, each built from the gazetteer and the rule
files and each returning plain :class:`~auditor.records.Clue` records:

* :class:`AdminNameRecognizer`: administrative names at every level, full
  (崞阳镇) or short (崞阳); short forms only where they stand as words and are
  not ordinary words (the gazetteer holds villages called 文化, 幸福, 建设);
* :class:`AbbreviationRecognizer`: one-character forms in fixed patterns
  (驻原部队, 忻原大道);
* :class:`LandmarkRecognizer`: rivers, mountains, temples … from ``landmarks.tsv``;
* :class:`UnverifiedNameRecognizer`: proper names (…河, …寺, …中学) that no
  knowledge file places, for a reviewer to look up.
"""
from __future__ import annotations

import bisect
import os
import pickle
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import ahocorasick_rs
import regex

from .codes import CodeRecognizer
from .gazetteer import Gazetteer, load_gazetteer
from .geography import GeographyRecognizer
from .masks import MaskRun
from .normalise import Normaliser
from .ordinary import DROP_AT, OrdinaryWordJudge
from .recognizer import ClueMatch
from .records import Clue
from .rules import MATCH_TIMEOUT_SECONDS, AbbreviationPattern, ClueRules, Rules, match_timeout, rule_timeout
from .segment import Segmenter, shared_segmenter

_CJK = re.compile(r"[\u4e00-\u9fff]")
_LINE_BREAK = re.compile("\n")
_VILLAGE_SUFFIX = re.compile(r"村|社区|嘎查|居委会")
VILLAGE_MEMO_SIZE = 1 << 16
# A geography clue stands on a name's own characters (东邻五台县: 五台县), so it
# must win over the name; a zone or an old name is as specific as a landmark.
_KIND_PRIORITY = {"geography": 5, "code": 4, "landmark": 3, "zone": 3, "old-name": 3, "admin": 2,
                  "abbreviation": 1, "unverified": 0}


# A clue found in a line: (match, kind, named as elsewhere, its text, its rule).
LineClue = tuple[ClueMatch, str, bool, str, str]


def _not_a_place(pattern, text: str, end: int) -> bool:
    if not isinstance(pattern, regex.Pattern):
        return pattern.match(text, end) is not None  # bounded (rules.bounded_re): no time bound needed
    try:
        return pattern.match(text, end, timeout=MATCH_TIMEOUT_SECONDS) is not None
    except TimeoutError:
        raise rule_timeout("clues.toml [names] not_a_place_after", MATCH_TIMEOUT_SECONDS) from None


class AdminNameRecognizer:
    """Administrative names found with one Aho-Corasick pass (provinces to towns)
    plus a suffix-triggered lookup for villages (which only count in full)."""

    kind = "admin"

    def __init__(self, gazetteer: Gazetteer, clue_rules: ClueRules, lexicon: frozenset[str] | None = None):
        self.gazetteer = gazetteer
        self.rules = clue_rules
        # pkuseg's dictionary: a town short form found there (蓝天, 普惠, but
        # also 闫庄) is mostly an ordinary word, and an edge a dictionary word
        # crosses is no word boundary (建设乡 in 建设乡村).
        self.lexicon = lexicon if lexicon is not None else shared_segmenter("lexicon").lexicon
        self.names = admin_names(gazetteer, clue_rules.min_short_chars, self.lexicon)
        self._village_memo: dict[str, tuple[int, ...]] = {}

    def _ordinary_core(self, core: str) -> bool:
        return core in self.lexicon or self.gazetteer.is_common_word(core)

    def find(self, text: str, segmenter: Segmenter) -> Iterable[ClueMatch]:
        generic = self.rules.generic_names
        not_a_place = self.rules.not_a_place_after
        entries = self.names.entries
        for index, start, end in self.names.matcher.find_matches_as_indexes(text):
            name, is_full, uids, level, core = entries[index]
            if name in generic or (not is_full and _not_a_place(not_a_place, text, end)):
                continue
            if is_full:
                # 原平市委 is fine, but 建设乡村 holds no town 建设乡, and a
                # one-character core (和县, 蠡县) is a name only where no word crosses it.
                check_end = len(core) == 1 or (level == "town" and self._ordinary_core(core))
                if not segmenter.is_word_span(text, start, end, check_end=check_end):
                    continue
                core_end = start + len(core) if name.startswith(core) else end
                yield ClueMatch(start, end, uids, f"{level} full name", level, core_end=core_end)
                continue
            if not segmenter.is_word_span(text, start, end):
                continue
            yield ClueMatch(start, end, uids, f"{level} short form, standing as a word", level, short_form=True,
                            core_end=end)
        yield from self._villages(text, segmenter)

    def _village_uids(self, name: str) -> tuple[int, ...]:
        # Each 村 is tried with cores of five characters down to two, and the
        # same few strings (乡村, 新农村, 美丽乡村) come back in every text: a
        # gazetteer lookup is a bisection over 700,000 names, a dict is not.
        uids = self._village_memo.get(name)
        if uids is None:
            if len(self._village_memo) >= VILLAGE_MEMO_SIZE:
                self._village_memo.clear()
            gazetteer = self.gazetteer
            uids = self._village_memo[name] = tuple(
                u for u in gazetteer.lookup_full(name) if gazetteer.level_of(u) == "village"
            )
        return uids

    def _villages(self, text: str, segmenter: Segmenter):
        gazetteer = self.gazetteer
        min_core = self.rules.min_village_core_chars
        for match in _VILLAGE_SUFFIX.finditer(text):
            for core_len in range(5, min_core - 1, -1):
                start = match.start() - core_len
                if start < 0:
                    continue
                name = text[start : match.end()]
                uids = self._village_uids(name)
                if not uids:
                    continue
                core = name[:core_len]
                if not _CJK.fullmatch(core[0]) or gazetteer.is_common_word(core) or gazetteer.is_common_word(name):
                    break
                if not segmenter.is_word_span(text, start, match.end(), check_end=self._ordinary_core(core)):
                    break
                yield ClueMatch(start, match.end(), uids, "village full name", "village", core_end=start + core_len)
                break


_LEVEL_ORDER = ("province", "prefecture", "county", "town", "village")
_NAMES_FORMAT = 1


def _top_level(gazetteer: Gazetteer, uids: tuple[int, ...]) -> str:
    return min((gazetteer.level_of(u) for u in uids), key=_LEVEL_ORDER.index)


class NameTable:
    """Names with what a match needs, and a leftmost-longest Aho-Corasick
    matcher over them (ahocorasick-rs: an order of magnitude faster than a
    Python-level automaton on long texts)."""

    def __init__(self, entries: list[tuple]):
        self.entries = entries
        self.matcher = ahocorasick_rs.AhoCorasick(
            [entry[0] for entry in entries], matchkind=ahocorasick_rs.MatchKind.LeftmostLongest
        )


def _admin_entries(gazetteer: Gazetteer, min_short_chars: int, lexicon: frozenset[str]) -> list[tuple]:
    """Names of provinces, prefectures, counties and towns, full and short, each
    as (name, is_full, uids, top level, core). Common words, and town short
    forms that are dictionary words, are left out here, once, rather than at
    every match."""
    entries = []
    full_names = gazetteer.full_names()
    for name, uids in full_names.items():
        uids = tuple(u for u in uids if gazetteer.level_of(u) != "village")
        if len(name) < 2 or not uids or gazetteer.is_common_word(name):
            continue
        shorts = [gazetteer.units[u].short for u in uids if gazetteer.units[u].short not in ("", name)]
        core = shorts[0] if shorts else name[:-1]
        entries.append((name, True, uids, _top_level(gazetteer, uids), core))
    taken = {entry[0] for entry in entries}
    for name, uids in gazetteer.short_names().items():
        if len(name) < min_short_chars or name in taken or gazetteer.is_common_word(name):
            continue
        full = set(full_names.get(name, ()))
        uids = tuple(u for u in uids if u not in full and gazetteer.level_of(u) != "village")
        if not uids:
            continue
        level = _top_level(gazetteer, uids)
        if level == "town" and name in lexicon:
            continue
        entries.append((name, False, uids, level, name))
    entries.sort()
    return entries


@lru_cache(maxsize=4)
def admin_names(gazetteer: Gazetteer, min_short_chars: int, lexicon: frozenset[str]) -> NameTable:
    """The administrative name table, from a cache file beside the gazetteer's
    (built on first use: collecting the names takes seconds, matching does not)."""
    if gazetteer.cache_file is None:
        return NameTable(_admin_entries(gazetteer, min_short_chars, lexicon))
    cache = Path(gazetteer.cache_file)
    # The lexicon's size stands for its version (it comes with spacy-pkuseg).
    path = cache.with_name(f"{cache.stem}.admin-v{_NAMES_FORMAT}-{min_short_chars}-{len(lexicon)}.names")
    if path.is_file():
        try:
            with open(path, "rb") as handle:
                return NameTable(pickle.load(handle))
        except (OSError, pickle.UnpicklingError, EOFError, ValueError):
            pass  # a damaged cache is rebuilt below
    entries = _admin_entries(gazetteer, min_short_chars, lexicon)
    try:
        with tempfile.NamedTemporaryFile("wb", dir=path.parent, delete=False) as handle:
            pickle.dump(entries, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(handle.name, path)
    except OSError:
        pass  # a read-only cache folder only costs the rebuild next time
    return NameTable(entries)


class LandmarkRecognizer:
    """Names that point at the places a table lists: landmarks (``landmarks.tsv``),
    and in the same form zones (``zones.tsv``: 两江新区) and old names
    (``old_names.tsv``: 豳州); rows of name, kind, places (gazetteer paths)."""

    def __init__(self, gazetteer: Gazetteer, rows, kind: str = "landmark", filename: str = "landmarks.tsv"):
        self.kind = kind
        self.places: dict[str, tuple[int, ...]] = {}
        self.rules: dict[str, str] = {}  # name -> the clue's rule: "landmark (river) in landmarks.tsv"
        self.table = None
        # The rows were validated when the rules were loaded; a place the
        # gazetteer does not know only weakens the landmark.
        for row in rows:
            name = row.name
            uids = tuple(u for u in map(gazetteer.unit_of_path, row.places) if u is not None)
            if uids:
                self.places[name] = tuple(sorted(set(self.places.get(name, ())) | set(uids)))
                what = kind if row.kind == kind else f"{kind} ({row.kind})"
                self.rules[name] = f"{what.replace('-', ' ')} in {filename}"
        if self.places:
            self.table = NameTable(sorted((name,) for name in self.places))

    def find(self, text: str, segmenter: Segmenter):
        if self.table is None:
            return
        for index, start, end in self.table.matcher.find_matches_as_indexes(text):
            name = self.table.entries[index][0]
            yield ClueMatch(start, end, self.places[name], self.rules[name])


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


class ClueFinder:
    """Runs the recognizers over a text and keeps the best non-overlapping clues."""

    line_cache_size = 100_000

    def __init__(self, gazetteer: Gazetteer, rules: Rules, segmenter: Segmenter | None = None):
        self.gazetteer = gazetteer
        self.rules = rules
        self.clue_rules = rules.clues
        self.segmenter = segmenter or shared_segmenter()
        lexicon = shared_segmenter("lexicon").lexicon
        self.recognizers = [
            LandmarkRecognizer(gazetteer, rules.landmarks),
            LandmarkRecognizer(gazetteer, rules.zones, "zone", "zones.tsv"),
            LandmarkRecognizer(gazetteer, rules.old_names, "old-name", "old_names.tsv"),
            AdminNameRecognizer(gazetteer, self.clue_rules, lexicon),
            AbbreviationRecognizer(gazetteer, rules, lexicon),
            UnverifiedNameRecognizer(gazetteer, self.clue_rules),
            CodeRecognizer(gazetteer, rules),
        ]
        # Reads the administrative names found in a line (东邻五台县: 五台县).
        self.geography = GeographyRecognizer(gazetteer, rules.geography)
        self.ordinary = OrdinaryWordJudge(gazetteer, self.clue_rules)
        self.normaliser = Normaliser(keep=self._name_characters())
        self._line_cache: dict[tuple[str, tuple], list[LineClue]] = {}

    def _name_characters(self) -> set[str]:
        """The characters of the names matched: a conversion to simplified script
        must not rewrite them (乾 of 乾县 is no traditional 干)."""
        names = [entry[0] for recognizer in self.recognizers if isinstance(recognizer, AdminNameRecognizer)
                 for entry in recognizer.names.entries]
        names += [name for recognizer in self.recognizers if isinstance(recognizer, LandmarkRecognizer)
                  for name in recognizer.places]
        return set("".join(names))

    @classmethod
    def default(cls, rules: Rules) -> "ClueFinder":
        return cls(load_gazetteer(), rules)

    def find(self, doc: str, text: str, runs: list[MaskRun] | None = None) -> list[Clue]:
        """Clues of a text, never over a mask (``runs``: mask runs or slots,
        anything with start and end, at original offsets), line by line: no
        recognizer looks across a line break (a clause ends there), so a line
        seen before (boilerplate, a republished copy) is not read again.

        Names are matched on the normalised view of the text (崞陽, 崞 阳,
        原\u200b平 read as 崞阳 and 原平: see :mod:`auditor.normalise`) and reported
        as written, at their original offsets and line."""
        run_spans = sorted((r.start, r.end) for r in runs or ())
        view = self.normaliser.normalise(text, Path(doc).suffix.lower(), run_spans)
        if view.rewritten:
            run_spans = [view.view_span(s, e) for s, e in run_spans]
            # Lines of the original: a line joined in the view (a hard wrap) is two there.
            line_breaks = [m.start() for m in _LINE_BREAK.finditer(text)]
        clues = []
        for number, line_start, match, kind, elsewhere, name, rule in self._view_clues(view.text, run_spans):
            start, end = line_start + match.start, line_start + match.end
            if view.rewritten:
                start, end = view.original_span(start, end)
                number = bisect.bisect_left(line_breaks, start) + 1
                written = text[start:end]
                if written != name:
                    rule, name = f"{rule}; read as {name}", written
            clues.append(
                Clue(
                    doc=doc, start=start, end=end, line=number, text=name, kind=kind,
                    candidates=tuple(match.candidates), rule=rule, level=match.level,
                    elsewhere=elsewhere, short_form=match.short_form, ordinary=match.ordinary,
                )
            )
        return clues

    def _view_clues(self, text: str, run_spans: list[tuple[int, int]]):
        """(line number, line start, *line clue) of each clue in ``text``, the lines read through the cache."""
        line_start = 0
        for number, line in enumerate(text.split("\n"), start=1):
            line_end = line_start + len(line)
            first = bisect.bisect_left(run_spans, (line_start, -1))
            last = bisect.bisect_left(run_spans, (line_end + 1, -1))
            # The masks are part of the key: the same line can read as masked
            # in one text and not in another (2\n×3, a multiplication across
            # a line break), and clues must not depend on which came first.
            masked = tuple((s - line_start, e - line_start) for s, e in run_spans[first:last])
            key = (line, masked)
            found = self._line_cache.get(key)
            if found is None:
                found = self._find_in_line(line, masked)
                if len(self._line_cache) >= self.line_cache_size:
                    self._line_cache.clear()
                self._line_cache[key] = found
            for clue in found:
                yield (number, line_start, *clue)
            line_start = line_end + 1

    def _find_in_line(self, line: str, masked: list[tuple[int, int]]) -> list[LineClue]:
        found = self._without_ordinary_words(line, [
            (match, recognizer.kind)
            for recognizer in self.recognizers
            for match in recognizer.find(line, self.segmenter)
        ])
        names = [match for match, kind in found if kind == "admin"]
        found += [(match, "geography") for match in self.geography.relate(line, names)]
        # Clues that point somewhere first (忻原 of 忻原大道 over the unplaced name
        # 忻原大道), then the longest, then the more specific kind: 崞阳古城
        # (landmark) over 崞阳.
        found.sort(key=lambda f: (not f[0].candidates, -(f[0].end - f[0].start), -_KIND_PRIORITY[f[1]], f[0].start))
        taken = bytearray(len(line) + 1)  # 1 where a mask or a kept clue stands
        for start, end in masked:
            taken[start:end] = b"\x01" * (end - start)
        kept = []
        for match, kind in found:
            if taken.find(1, match.start, match.end) >= 0:
                continue
            taken[match.start : match.end] = b"\x01" * (match.end - match.start)
            # An abbreviation pattern (太忻一体化) and a geography clue (东邻五台县)
            # state their own relation.
            elsewhere = kind not in ("abbreviation", "geography") and (
                match.in_company_name or self._named_as_elsewhere(line, match.start, match.end))
            # The name and the rule are made here, once per line read: the
            # clues of every copy of the line then share them.
            rule = match.rule + ("; named as elsewhere" if elsewhere else "")
            kept.append((match, kind, elsewhere, line[match.start : match.end], rule))
        kept.sort(key=lambda f: f[0].start)
        return kept

    def _without_ordinary_words(self, line: str, found: list[tuple[ClueMatch, str]]) -> list[tuple[ClueMatch, str]]:
        """The candidates of a line less the administrative names that stand
        there as ordinary words (see :mod:`auditor.ordinary`); each kept name
        carries the estimate. Judged before overlaps are settled: 发展乡村 read
        as a phrase leaves its place to 发展乡, judged in turn."""
        admin = [(m.start, m.end, m.candidates) for m, kind in found if kind == "admin"]
        if not admin:
            return found
        kept = []
        for match, kind in found:
            if kind == "admin":
                neighbours = [n for n in admin if (n[0], n[1]) != (match.start, match.end)]
                judged = self.ordinary.judge(line, match.start, match.end, match.core_end, match.candidates, neighbours)
                if judged.ordinary >= DROP_AT:
                    continue
                if judged.ordinary or judged.elsewhere:
                    rule = match.rule + (f"; {judged.why}" if judged.why else "")
                    match = replace(match, ordinary=judged.ordinary, in_company_name=judged.elsewhere, rule=rule)
            kept.append((match, kind))
        return kept

    def _named_as_elsewhere(self, text: str, start: int, end: int) -> bool:
        before = text[max(0, start - 12) : start]
        after = text[end : end + 12]
        timeout = MATCH_TIMEOUT_SECONDS  # a dozen characters each side
        try:
            if self.clue_rules.elsewhere_before.search(before, timeout=timeout):
                return True
        except TimeoutError:
            raise rule_timeout("clues.toml [elsewhere] before", timeout) from None
        try:
            return self.clue_rules.elsewhere_after.search(after, timeout=timeout) is not None
        except TimeoutError:
            raise rule_timeout("clues.toml [elsewhere] after", timeout) from None

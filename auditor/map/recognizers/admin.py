"""Administrative names at every level, full (崞阳镇) or short (崞阳); short forms
only where they stand as words and are not ordinary words (the gazetteer holds
villages called 文化, 幸福, 建设)."""
from __future__ import annotations

import os
import pickle
import re
import tempfile
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import regex

from ...gazetteer import Gazetteer
from .base import ClueMatch
from ...rules import MATCH_TIMEOUT_SECONDS, ClueRules, rule_timeout
from ..segment import Segmenter, shared_segmenter
from ...memo import Memo
from .base import NameTable

_CJK = re.compile(r"[\u4e00-\u9fff]")


_VILLAGE_SUFFIX = re.compile(r"村|社区|嘎查|居委会")




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
        self._village_memo = Memo("villages")  # name -> the villages of that full name

    def _ordinary_core(self, core: str) -> bool:
        return core in self.lexicon or self.gazetteer.is_common_word(core)

    def find(self, text: str, segmenter: Segmenter) -> Iterable[ClueMatch]:
        generic = self.rules.generic_names
        not_a_place = self.rules.not_a_place_after
        entries = self.names.entries
        for start, end, index in self.names.matches(text):
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
            gazetteer = self.gazetteer
            uids = self._village_memo.put(name, tuple(
                u for u in gazetteer.lookup_full(name) if gazetteer.level_of(u) == "village"))
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

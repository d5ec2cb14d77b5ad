"""The national administrative gazetteer (province → village), compiled once into a cache.

The source is the location data shipped with jionlp, read straight from its
files (importing jionlp is slow and prints banners).  The first call of
:func:`load_gazetteer` parses it (a few seconds) and writes a pickle whose file
name carries a hash of the source bytes; later loads only unpickle that file.

The cache holds a few large strings and integer arrays rather than ~700k
Python objects, so loading costs tens of milliseconds:

* units are parallel arrays in pre-order (every subtree is a contiguous uid
  range); names are slices of one string; :attr:`Gazetteer.units` builds an
  :class:`AdminUnit` on access;
* the name indexes are sorted key tables searched by bisection, with the uids
  of key ``i`` at ``postings[starts[i]:starts[i + 1]]``.

``python -m auditor.gazetteer build`` compiles the cache ahead of time.
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.util
import io
import json
import logging
import os
import pickle
import re
import sys
import tempfile
import threading
import time
import zipfile
from array import array
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate, chain
from pathlib import Path
from typing import overload

from . import boundaries

log = logging.getLogger("auditor")

LEVELS = ("province", "prefecture", "county", "town", "village")
PROVINCE, PREFECTURE, COUNTY, TOWN, VILLAGE = range(5)
_LEVEL_INDEX = {name: i for i, name in enumerate(LEVELS)}

# Bump whenever parsing, aliasing, the common-word rule or the payload layout
# changes: the version is part of the cache file name, so old caches are ignored.
# 5: general-language word counts and per-level name rates (auditor.ordinary).
# 6: telephone area codes (auditor.codes).
# 7: points, borders and postal codes (auditor.boundaries).
FORMAT_VERSION = 7
_CACHE_PREFIX = "gazetteer"

# key -> (file in jionlp/dictionary, member inside the zip)
_SOURCES = {
    "location": ("china_location.zip", "china_location.txt"),
    "change": ("china_location_change.txt", None),
    "words": ("chinese_word_dictionary.zip", "chinese_word_dictionary.txt"),
    "idf": ("idf.zip", "idf.txt"),
    "idioms": ("chinese_idiom.zip", "chinese_idiom.txt"),
    "distribution": ("word_distribution.zip", "word_distribution.json"),
    "area_codes": ("landline_phone_area_code.txt", None),
}


@dataclass(frozen=True)
class AdminUnit:
    """One administrative unit; ``uid`` indexes :attr:`Gazetteer.units`."""

    uid: int
    name: str  # official full name: 原平市, 崞阳镇, 北新村
    short: str  # 原平, 崞阳, 北新; '' when no short form of two or more characters
    level: str  # one of LEVELS
    parent: int | None
    code: str  # administrative code (province to county), else ''


# ---------------------------------------------------------------------------
# Short forms of towns and villages
# ---------------------------------------------------------------------------

_ETHNIC = (
    "汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 "
    "高山 拉祜 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 "
    "普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺"
).split()
_ETHNIC_ALT = "|".join(sorted(_ETHNIC, key=len, reverse=True))  # 土家 before 土
# Each ethnic name must carry 族, so 白水苗族乡 keeps 白水 although 白 and 水
# are ethnic names too.
_TOWN_SHORT = re.compile(
    r"(.*?)(?:(?:(?:%s)(?:民族|族))+(?:乡|镇|苏木)|民族乡|街道办事处|办事处|街道|镇|乡|苏木)"
    % _ETHNIC_ALT
)
# The lazy stem means the longest suffix wins (华亭社区居委会 → 华亭, and
# 新街道办事处 → '' rather than 新街道); derive_short then wants two characters.
_VILLAGE_SHORT = re.compile(
    r"(.*?)(?:社区居民委员会|居民委员会|村民委员会|社区居委会|居委会|村委会|嘎查|社区|村)"
)
_COUNTY_SHORT = re.compile(r"(.*?)(?:自治县|县|区|市|旗)")
_SHORT_PATTERNS = {TOWN: _TOWN_SHORT, VILLAGE: _VILLAGE_SHORT}


def derive_short(name: str, level: int | str) -> str:
    """Short form of a unit the data gives none for: the name minus its type suffix
    (镇, 乡, 回族乡, 街道, 苏木, 村, 社区, 居委会 …), or '' unless two characters remain."""
    if isinstance(level, str):
        level = _LEVEL_INDEX[level]
    m = _SHORT_PATTERNS.get(level, _COUNTY_SHORT).fullmatch(name)
    return m.group(1) if m and len(m.group(1)) >= 2 else ""


# ---------------------------------------------------------------------------
# The gazetteer
# ---------------------------------------------------------------------------


def _int_array(raw: bytes) -> array:
    out = array("i")
    out.frombytes(raw)
    return out


class _Strings(Sequence[str]):
    """Strings stored as one text plus offsets: item i is text[off[i]:off[i+1]]."""

    __slots__ = ("_text", "_off")

    def __init__(self, text: str, offsets: bytes):
        self._text = text
        self._off = _int_array(offsets)

    @staticmethod
    def pack(strings: Sequence[str]) -> tuple[str, bytes]:
        offsets = array("i", [0])
        offsets.extend(accumulate(map(len, strings)))
        return "".join(strings), offsets.tobytes()

    def __len__(self) -> int:
        return len(self._off) - 1

    def __getitem__(self, i):  # bisect calls this with ints only
        return self._text[self._off[i] : self._off[i + 1]]


class _Index:
    """Sorted name → uids table."""

    __slots__ = ("_keys", "_starts", "_postings")

    def __init__(self, payload: dict):
        self._keys = _Strings(payload["keys"], payload["key_offsets"])
        self._starts = _int_array(payload["starts"])
        self._postings = _int_array(payload["postings"])

    @staticmethod
    def pack(index: dict[str, list[int]]) -> dict:
        keys = sorted(index)
        uids = [v if len(v) == 1 else sorted(set(v)) for v in map(index.__getitem__, keys)]
        starts = array("i", accumulate(map(len, uids), initial=0))
        postings = array("i", chain.from_iterable(uids))
        text, offsets = _Strings.pack(keys)
        return {"keys": text, "key_offsets": offsets, "starts": starts.tobytes(),
                "postings": postings.tobytes()}

    def get(self, name: str) -> tuple[int, ...]:
        keys = self._keys
        i = bisect_left(keys, name)
        if i < len(keys) and keys[i] == name:
            return tuple(self._postings[self._starts[i] : self._starts[i + 1]])
        return ()

    def __len__(self) -> int:
        return len(self._keys)

    def items(self) -> Iterator[tuple[str, tuple[int, ...]]]:
        keys, starts, postings = self._keys, self._starts, self._postings
        for i in range(len(keys)):
            yield keys[i], tuple(postings[starts[i] : starts[i + 1]])


class _Units(Sequence[AdminUnit]):
    """Read-only sequence that builds :class:`AdminUnit` objects on access."""

    __slots__ = ("_g",)

    def __init__(self, gazetteer: Gazetteer):
        self._g = gazetteer

    def __len__(self) -> int:
        return len(self._g._levels)

    @overload
    def __getitem__(self, index: int) -> AdminUnit: ...
    @overload
    def __getitem__(self, index: slice) -> list[AdminUnit]: ...
    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._g._unit(i) for i in range(*index.indices(len(self)))]
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError("unit id out of range")
        return self._g._unit(index)

    def __iter__(self) -> Iterator[AdminUnit]:
        return (self._g._unit(i) for i in range(len(self)))


class Gazetteer:
    """Name lookup and hierarchy over all administrative units."""

    def __init__(self, data: dict, cache_file: str | None = None):
        self._names = _Strings(data["names"], data["name_offsets"])
        self._shorts = _Strings(data["shorts"], data["short_offsets"])
        self._levels: bytes = data["levels"]
        self._parents = _int_array(data["parents"])  # -1 for provinces
        self._ends = _int_array(data["ends"])  # one past the last uid of the subtree
        self._codes: dict[int, str] = data["codes"]
        self._by_code: dict[str, int] | None = None
        self._by_path: dict[str, int] | None = None
        self.area_codes: dict[str, int] = data["area_codes"]  # 0350 -> 忻州市
        geography = data["geography"]
        self._points: dict[int, tuple[float, float]] = geography["points"]
        self._borders: dict[int, tuple[int, ...]] = geography["borders"]
        self.postal_codes: dict[str, tuple[int, ...]] = geography["postal_codes"]  # 034100 -> 原平市
        self._full = _Index(data["full"])
        self._short = _Index(data["short"])
        self._common: frozenset[str] = frozenset(data["common"])
        self._word_counts = _Index(data["word_counts"])
        self.word_total: int = data["word_total"]
        self.name_rates: dict[str, tuple[float, ...]] = data["name_rates"]  # see _name_rates
        self.stats: dict = data.get("stats", {})
        self.cache_file = cache_file
        self.units: Sequence[AdminUnit] = _Units(self)
        self._at_level: dict[int, tuple[int, ...]] = {}

    def __reduce__(self):
        # Worker processes reload from the cache file rather than receive tens
        # of megabytes through a pipe.
        if self.cache_file is None:
            raise pickle.PicklingError("a Gazetteer without a cache file cannot be pickled")
        return (_load_cache_file, (self.cache_file,))

    def __len__(self) -> int:
        return len(self._levels)

    def __repr__(self) -> str:
        return f"<Gazetteer {len(self)} units from {self.cache_file}>"

    def _unit(self, uid: int) -> AdminUnit:
        parent = self._parents[uid]
        return AdminUnit(
            uid=uid,
            name=self._names[uid],
            short=self._shorts[uid],
            level=LEVELS[self._levels[uid]],
            parent=parent if parent >= 0 else None,
            code=self._codes.get(uid, ""),
        )

    def unit_of_code(self, code: str) -> int | None:
        """The province, prefecture or county whose administrative code is ``code`` (140981 → 原平市)."""
        if self._by_code is None:
            self._by_code = {c: uid for uid, c in self._codes.items() if c}
        return self._by_code.get(code)

    # -- geography (auditor.boundaries) --------------------------------------

    def point(self, uid: int) -> tuple[float, float] | None:
        """(longitude, latitude) of a province's, prefecture's or county's seat."""
        return self._points.get(uid)

    def borders(self, uid: int) -> tuple[int, ...]:
        """The prefectures and counties across the border of a province,
        prefecture or county (not its own ancestors or descendants)."""
        return self._borders.get(uid, ())

    # -- names ---------------------------------------------------------------

    def name(self, uid: int) -> str:
        return self._names[uid]

    def lookup(self, name: str) -> tuple[int, ...]:
        """Uids whose full name, short form or former name equals ``name`` (all levels)."""
        full = self._full.get(name)
        short = self._short.get(name)
        if not short:
            return full
        if not full:
            return short
        return tuple(sorted(set(full).union(short)))

    def lookup_full(self, name: str) -> tuple[int, ...]:
        """Uids whose official or former full name (清苑县) equals ``name``."""
        return self._full.get(name)

    def short_names(self) -> dict[str, tuple[int, ...]]:
        """Every short form of two or more characters, official or former (襄樊) → uids.

        Built on each call (a few hundred ms): keep the result."""
        return dict(self._short.items())

    def full_names(self) -> dict[str, tuple[int, ...]]:
        """Every full name, official or former (清苑县) → uids.  Built on each call."""
        return dict(self._full.items())

    def is_common_word(self, word: str) -> bool:
        """True if ``word`` names a place but is mostly an ordinary word (文化, 和平, 红旗).

        Decided at build time for every name (see :func:`_common_words`); a word
        that names no unit is False."""
        return word in self._common

    def word_count(self, word: str) -> int:
        """How often general text uses ``word`` as one word (jionlp's word
        distribution: 6.2 billion tokens; a word seen fewer than about 300 times
        is not listed, and counts 0 here)."""
        found = self._word_counts.get(word)
        return found[0] if found else 0

    # -- hierarchy -----------------------------------------------------------

    def level_of(self, uid: int) -> str:
        return LEVELS[self._levels[uid]]

    def ancestor(self, uid: int, level: str) -> int | None:
        """The unit itself if it is at ``level``, else its ancestor at ``level``, else None.

        Municipalities (上海市) have no prefecture unit and 省直辖 counties (天门市)
        none either, so prefecture_of() is None for them."""
        want = _LEVEL_INDEX[level]
        levels, parents = self._levels, self._parents
        while uid >= 0:
            have = levels[uid]
            if have == want:
                return uid
            if have < want:
                return None
            uid = parents[uid]
        return None

    def county_of(self, uid: int) -> int | None:
        return self.ancestor(uid, "county")

    def prefecture_of(self, uid: int) -> int | None:
        return self.ancestor(uid, "prefecture")

    def province_of(self, uid: int) -> int | None:
        return self.ancestor(uid, "province")

    def path(self, uid: int) -> str:
        """Official names from the province down: '山西省/忻州市/原平市/崞阳镇'.

        省直辖 tiers and the repeated municipality (上海市 under 上海市) are not
        units at all, so they never appear: '湖北省/天门市', '上海市/嘉定区'."""
        names = []
        while uid >= 0:
            names.append(self._names[uid])
            uid = self._parents[uid]
        return "/".join(reversed(names))

    def children(self, uid: int) -> tuple[int, ...]:
        ends = self._ends
        out = []
        child, end = uid + 1, ends[uid]
        while child < end:
            out.append(child)
            child = ends[child]
        return tuple(out)

    def descendants_at(self, uid: int, level: str) -> list[int]:
        """The units of ``level`` inside ``uid`` (its counties, say); [uid] when it is of that level."""
        out, stack = [], [uid]
        while stack:
            current = stack.pop()
            if self.level_of(current) == level:
                out.append(current)
                continue
            if level == "county" and self.level_of(current) in ("town", "village"):
                continue
            stack.extend(self.children(current))
        return out

    def unit_of_path(self, path: str) -> int | None:
        """The province, prefecture or county ``path`` writes (山西省/忻州市/原平市), as rule files name them."""
        if self._by_path is None:
            self._by_path = {self.path(uid): uid for level in ("province", "prefecture", "county")
                             for uid in self.units_at(level)}
        return self._by_path.get(path)

    def units_at(self, level: str) -> tuple[int, ...]:
        key = _LEVEL_INDEX[level]
        cached = self._at_level.get(key)
        if cached is None:
            # One byte per unit: a regex over them runs in C (a loop over
            # 700,000 units took a sixth of a second per level).
            cached = tuple(m.start() for m in re.finditer(re.escape(bytes([key])), self._levels))
            self._at_level[key] = cached
        return cached

    def counts(self) -> dict[str, int]:
        """Number of units per level."""
        return {name: self._levels.count(i) for i, name in enumerate(LEVELS)}


# ---------------------------------------------------------------------------
# Reading the jionlp data
# ---------------------------------------------------------------------------


def jionlp_dictionary_dir() -> Path:
    """jionlp's data folder, found without importing jionlp."""
    spec = importlib.util.find_spec("jionlp")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("jionlp is not installed; the gazetteer is built from its data")
    return Path(list(spec.submodule_search_locations)[0]) / "dictionary"


def _read_sources(folder: Path) -> dict[str, tuple[bytes, str | None]]:
    """Raw bytes of each source and the zip member to read (None: plain text).

    jionlp unpacks some zips next to themselves on first use; the zip is read
    when present so the hash does not depend on whether that happened."""
    out = {}
    for key, (filename, member) in _SOURCES.items():
        path = folder / filename
        if not path.exists() and member is not None and (folder / member).exists():
            path, member = folder / member, None
        try:
            out[key] = (path.read_bytes(), member)
        except FileNotFoundError:
            raise FileNotFoundError(f"jionlp data file missing: {path}") from None
    return out


def _text(source: tuple[bytes, str | None]) -> str:
    raw, member = source
    if member is not None:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            raw = zf.read(member)
    return raw.decode("utf-8-sig")


def _source_hash(sources: dict[str, tuple[bytes, str | None]]) -> str:
    h = hashlib.blake2b(digest_size=10)
    h.update(f"format={FORMAT_VERSION}\n{boundaries.source_versions()}\n".encode())
    for key in sorted(sources):
        raw = sources[key][0]
        h.update(f"{key}:{len(raw)}\n".encode())
        h.update(raw)
    return h.hexdigest()


# ---------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------


class _Builder:
    """Parses the location tree into parallel arrays and name indexes."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.shorts: list[str] = []
        self.levels = bytearray()
        self.parents = array("i")
        self.codes: dict[int, str] = {}
        self.by_full: dict[str, list[int]] = defaultdict(list)
        self.by_short: dict[str, list[int]] = defaultdict(list)
        self.former = {"explicit": 0, "inferred": 0, "unresolved": 0}

    def parse_tree(self, text: str) -> None:
        names, shorts, levels, parents, codes = (
            self.names, self.shorts, self.levels, self.parents, self.codes)
        by_full, by_short = self.by_full, self.by_short
        match = {TOWN: _TOWN_SHORT.fullmatch, VILLAGE: _VILLAGE_SHORT.fullmatch}
        # attach[d]: the uid that lines at depth d + 1 hang from.  A skipped tier
        # (省直辖行政区划, 上海市 under 上海市) passes its own parent down.
        attach = [-1] * 5
        province_code = ""
        for line in text.splitlines():
            body = line.lstrip("\t")
            depth = len(line) - len(body)
            if depth >= TOWN:  # ~99% of the lines: a bare name
                name = body.rstrip()
                if not name:
                    continue
                if depth > VILLAGE:
                    raise ValueError(f"unexpected indentation in china_location.txt: {line!r}")
                parent = attach[depth - 1]
                if name.endswith("直辖行政区划"):  # 县直辖行政区划 among the towns
                    attach[depth] = parent
                    continue
                m = match[depth](name)
                short = m.group(1) if m is not None else ""
                if len(short) < 2:
                    short = ""
                code = ""
            else:
                fields = body.rstrip().split("\t")
                name = fields[0]
                if not name:
                    continue
                parent = attach[depth - 1] if depth else -1
                code = fields[1] if len(fields) > 1 else ""
                short = fields[2] if len(fields) > 2 else ""
                if depth == PROVINCE:
                    province_code = code
                if name.endswith("直辖行政区划") or (
                    depth == PREFECTURE and code and code == province_code
                ):
                    attach[depth] = parent
                    continue
                if not short and depth:  # 台湾 counties come without code and short
                    short = derive_short(name, depth)
            uid = len(names)
            names.append(name)
            shorts.append(short)
            levels.append(depth)
            parents.append(parent)
            if code:
                codes[uid] = code
            by_full[name].append(uid)
            if short and short != name:
                by_short[short].append(uid)
            attach[depth] = uid

    def ends(self) -> array:
        """ends[u] = one past the last uid in u's subtree (the tree is in pre-order)."""
        n = len(self.names)
        ends = array("i", range(1, n + 1))
        parents = self.parents
        for uid in range(n - 1, -1, -1):
            p = parents[uid]
            if p >= 0 and ends[uid] > ends[p]:
                ends[p] = ends[uid]
        return ends

    # -- former names ----------------------------------------------------------

    def _named_under(self, parent: int, name: str, level: int) -> int | None:
        for uid in self.by_full.get(name, ()):
            if self.levels[uid] != level:
                continue
            p = self.parents[uid]
            while p >= 0 and p != parent:
                p = self.parents[p]
            if p == parent:
                return uid
        return None

    def _resolve(self, province: str, prefecture: str, county: str | None) -> int | None:
        prov = self._named_under(-1, province, PROVINCE)
        if prov is None:
            return None
        # municipalities have no prefecture unit (上海市/嘉定区)
        pref = prov if prefecture == province else self._named_under(prov, prefecture, PREFECTURE)
        if pref is None or county is None:
            return pref
        found = self._named_under(pref, county, COUNTY)
        if found is None:
            # the change file and the tree sometimes disagree on the suffix
            # (玉环县 => 玉环区 in one, 玉环市 in the other)
            stem = derive_short(county, COUNTY)
            matches = [u for u in self.by_short.get(stem, ())
                       if self.levels[u] == COUNTY and self.parents[u] == pref]
            if len(matches) == 1:
                found = matches[0]
        return found

    def _alias(self, uid: int, full: str, short: str) -> bool:
        added = False
        if full and full != self.names[uid] and uid not in self.by_full.get(full, ()):
            self.by_full[full].append(uid)
            added = True
        if len(short) >= 2 and short not in (self.shorts[uid], self.names[uid]):
            if uid not in self.by_short.get(short, ()):
                self.by_short[short].append(uid)
                added = True
        return added

    def add_changes(self, text: str) -> None:
        """Former names from china_location_change.txt (襄樊 → 襄阳市, 平泉县 → 平泉市).

        Lines read ``date, approver, old province, short, old prefecture, short
        [, old county, short]=>new province, new prefecture[, new county]``."""
        for line in text.splitlines():
            if "=>" not in line:
                continue
            old, new = line.split("=>", 1)
            old_f = old.split("\t")[2:]
            new_f = new.strip().split("\t")
            if len(old_f) == 4 and len(new_f) == 2:  # a prefecture renamed
                target = self._resolve(new_f[0], new_f[1], None)
                old_full, old_short = old_f[2], old_f[3]
            elif len(old_f) == 6 and len(new_f) == 3:
                target = self._resolve(*new_f)
                old_full, old_short = old_f[4], old_f[5]
            else:
                continue
            if target is None:  # e.g. a new county the tree does not have yet
                self.former["unresolved"] += 1
            elif self._alias(target, old_full, old_short):
                self.former["explicit"] += 1

    def add_inferred_counties(self, vocabulary: dict[str, float]) -> None:
        """X县 as former full name of the county-level X区 / X市 when the corpus knows X县.

        The change file covers only 2002, 2010 and 2017 on, yet most districts and
        county-level cities were counties (清苑县 → 清苑区 in 2015, 原平县 → 原平市
        in 1993).  Requiring X县 in the idf vocabulary keeps out names that never
        existed (海淀县), and a stem shared by two units is left alone."""
        stems: dict[str, list[int]] = defaultdict(list)
        for uid, level in enumerate(self.levels):
            if level != COUNTY:
                continue
            name = self.names[uid]
            # uncoded units are Taiwan's districts, which were townships, not counties
            if uid in self.codes and name[-1] in "区市" and len(name) >= 3:
                stems[name[:-1]].append(uid)
        for stem, uids in stems.items():
            former = stem + "县"
            if len(uids) != 1 or former in self.by_full or former not in vocabulary:
                continue
            # 河口县 is the Yunnan county 河口 (not 东营's 河口区), 资阳县 the
            # seat of 资阳市: a stem that is another unit's short form is left alone
            others = self.by_short.get(stem, [])
            if any(self.levels[u] <= COUNTY and u != uids[0] for u in others):
                continue
            self.by_full[former].append(uids[0])
            self.former["inferred"] += 1


# Markers of a dictionary sense that is itself a place (县名, 山名, 在今山东省…):
# such entries (泰山, 潼关, 太原) say nothing about ordinary use.
_TOPONYM_SENSE = re.compile(
    r"[县郡州府城山水河湖江关国邑镇乡岛泉寺宫殿都]名|地名|地区名|在今|故址|故城|古九州"
    r"|在[^。，,；;]{0,8}[省市县]"
)
_FIRST_SENSE = re.compile(r"\s*2[.．、]")

# The common-word rule (see _common_words).
_IDF_LIMIT = {COUNTY: 9.7, TOWN: 10.3, VILLAGE: 10.3}
_DICTIONARY_BONUS = 1.0
_REUSE_BONUS = 1.0
# County names recur less by chance; at 30 丹阳, 松江, 凤阳 would count as slogans.
_REUSE_MIN_UNITS = {COUNTY: 60, TOWN: 30, VILLAGE: 30}


def _ordinary_words(dictionary_text: str, idiom_text: str) -> set[str]:
    """Dictionary words whose first sense is not a place, plus idioms."""
    words = set()
    for line in dictionary_text.splitlines():
        word, _, definition = line.partition("\t")
        first = _FIRST_SENSE.split(definition, 1)[0]
        if word and not _TOPONYM_SENSE.search(first):
            words.add(word.strip())
    for line in idiom_text.splitlines():
        idiom = line.partition("\t")[0].strip()
        if idiom:
            words.add(idiom)
    return words


def _parse_idf(text: str) -> dict[str, float]:
    idf = {}
    for line in text.splitlines():
        word, _, value = line.partition("\t")
        try:
            idf[word] = float(value)
        except ValueError:
            continue
    return idf


def _common_words(
    levels: bytearray,
    shorts: list[str],
    by_full: dict[str, list[int]],
    by_short: dict[str, list[int]],
    idf: dict[str, float],
    ordinary: set[str],
) -> list[str]:
    """Names that are mostly used as ordinary words.

    A name is common when general text uses it more often (lower idf, from
    jionlp's idf table) than its role as a place can explain:

    * a name of a province or prefecture is never common (太原, 吕梁, 朝阳: the
      place is what people mean);
    * otherwise the idf limit is 9.7 for a name of a county and 10.3 for a name
      only of towns or villages, plus 1.0 if a dictionary sense is not a place
      (幸福, 团结; jionlp's word dictionary and idioms) and plus 1.0 if at least
      30 units carry it, 60 for a county name (slogan names such as 红旗, 新华,
      向阳 recur across the country, distinctive place names do not).

    Full names are candidates only where they are not a short form plus a type
    suffix (开发区 is, 城关镇 is not).
    """
    names: dict[str, set[int]] = defaultdict(set)
    for name, uids in by_short.items():
        if len(name) >= 2 and name in idf:
            names[name].update(uids)
    for name, uids in by_full.items():
        if len(name) >= 2 and name in idf:
            if name in names or any(shorts[u] in ("", name) for u in uids):
                names[name].update(uids)
    common = []
    for name, uids in names.items():
        top = min(levels[u] for u in uids)
        if top <= PREFECTURE:
            continue
        limit = _IDF_LIMIT[top]
        if name in ordinary:
            limit += _DICTIONARY_BONUS
        if len(uids) >= _REUSE_MIN_UNITS[top]:
            limit += _REUSE_BONUS
        if idf[name] <= limit:
            common.append(name)
    common.sort()
    return common


def _parse_word_counts(text: str) -> dict[str, int]:
    """jionlp's word distribution: one JSON pair ``["word", count]`` a line."""
    counts = {}
    for line in text.splitlines():
        try:
            word, count = json.loads(line)
        except (ValueError, TypeError):
            continue
        if isinstance(word, str) and isinstance(count, int) and word.strip() and 0 < count < 2**31:
            counts[word] = count
    return counts


# How often a bearer explains its name is taken at two quantiles of its level's
# names: the median (a string said more often than that is worth a closer look)
# and the 90th percentile (a string said more often than that is more than its
# bearers explain, unless it is one of the best-known places).
NAME_RATE_QUANTILES = (0.5, 0.9)


def _name_rates(levels: bytearray, by_full: dict[str, list[int]], counts: dict[str, int]) -> dict[str, tuple[float, ...]]:
    """Per level, how often general text says the full name of one unit of that
    level (at NAME_RATE_QUANTILES), from the names only one unit bears.

    Below the word list's floor (about 300) counts are not listed: a level whose
    quantile falls there (towns, villages) gets the deepest measured level's
    rate shared out over its units, as each level's names take about the same
    share of general text (prefectures 340 × 22,000, counties 2,900 × 2,900)."""
    floor = min(counts.values(), default=1)
    per_level: dict[int, list[int]] = defaultdict(list)
    for name, uids in by_full.items():
        if len(uids) == 1 and len(name) >= 2:
            per_level[levels[uids[0]]].append(counts.get(name, 0))
    rates: dict[str, tuple[float, ...]] = {}
    measured = None
    for level in sorted(per_level):
        values = sorted(per_level[level])
        found = [float(values[int(q * (len(values) - 1))]) for q in NAME_RATE_QUANTILES]
        if measured is not None and min(found) < floor:
            units, rate = measured
            found = [r * units / levels.count(level) for r in rate]
        else:
            measured = (levels.count(level), found)
        rates[LEVELS[level]] = tuple(max(r, 1.0) for r in found)
    return rates


def _area_codes(text: str, builder: "_Builder") -> dict[str, int]:
    """Telephone area codes (jionlp's ``0350 山西/忻州``) to the unit they serve:
    the prefecture (or municipality, or county-level city under a province)
    whose short form is the second name, inside the province of the first."""
    provinces = {builder.shorts[u]: u for u in range(len(builder.levels)) if LEVELS[builder.levels[u]] == "province"}
    out = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) != 2 or "/" not in parts[1] or not parts[0].isdigit():
            continue
        province_name, place = parts[1].split("/", 1)
        province = provinces.get(province_name)
        if province is None:
            continue
        if place == province_name:
            out[parts[0]] = province
            continue
        found = [u for u in [*builder.by_short.get(place, ()), *builder.by_full.get(place, ())]
                 if LEVELS[builder.levels[u]] in ("prefecture", "county") and _under(builder, u, province)]
        found.sort(key=lambda u: builder.levels[u])  # a prefecture before a county of the same name
        if found:
            out[parts[0]] = found[0]
    return out


def _under(builder: "_Builder", uid: int, ancestor: int) -> bool:
    while uid >= 0:
        if uid == ancestor:
            return True
        uid = builder.parents[uid]
    return False


def compile_gazetteer(sources: dict[str, tuple[bytes, str | None]], source_hash: str) -> dict:
    """Parse the jionlp data into the cache payload (builtins only, no classes)."""
    builder = _Builder()
    builder.parse_tree(_text(sources["location"]))
    builder.add_changes(_text(sources["change"]))
    idf = _parse_idf(_text(sources["idf"]))
    builder.add_inferred_counties(idf)
    ordinary = _ordinary_words(_text(sources["words"]), _text(sources["idioms"]))
    by_short = {k: v for k, v in builder.by_short.items() if len(k) >= 2}
    common = _common_words(
        builder.levels, builder.shorts, builder.by_full, by_short, idf, ordinary)
    word_counts = _parse_word_counts(_text(sources["distribution"]))
    geography = boundaries.compile_geography(builder.names, builder.levels, builder.parents, builder.codes)
    names, name_offsets = _Strings.pack(builder.names)
    shorts, short_offsets = _Strings.pack(builder.shorts)
    return {
        "format": FORMAT_VERSION,
        "source_hash": source_hash,
        "names": names,
        "name_offsets": name_offsets,
        "shorts": shorts,
        "short_offsets": short_offsets,
        "levels": bytes(builder.levels),
        "parents": builder.parents.tobytes(),
        "ends": builder.ends().tobytes(),
        "codes": builder.codes,
        "full": _Index.pack(builder.by_full),
        "short": _Index.pack(by_short),
        "common": common,
        "word_counts": _Index.pack({word: [count] for word, count in word_counts.items()}),
        "word_total": sum(word_counts.values()),
        "area_codes": _area_codes(_text(sources["area_codes"]), builder),
        "geography": geography,
        "name_rates": _name_rates(builder.levels, builder.by_full, word_counts),
        "stats": {
            "counts": {name: builder.levels.count(i) for i, name in enumerate(LEVELS)},
            "former_names": dict(builder.former),
            "common_words": len(common),
            "common_short_names": sum(1 for w in common if w in by_short),
            "geography": {"points": len(geography["points"]), "with_borders": len(geography["borders"]),
                          "postal_codes": len(geography["postal_codes"])},
        },
    }


# ---------------------------------------------------------------------------
# Cache
# ---------------------------------------------------------------------------

_memo: dict[str, Gazetteer] = {}
_memo_lock = threading.RLock()


def default_cache_dir() -> Path:
    env = os.environ.get("AUDITOR_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "auditor"


def _folder(cache_dir: str | os.PathLike | None) -> Path:
    folder = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    return folder.resolve()


def _cache_file(folder: Path, source_hash: str) -> Path:
    return folder / f"{_CACHE_PREFIX}-v{FORMAT_VERSION}-{source_hash}.pickle"


def _read_cache(path: Path) -> dict | None:
    try:
        with open(path, "rb") as fh:
            data = pickle.load(fh)
    except FileNotFoundError:
        return None
    except Exception:  # truncated or foreign file: it gets rebuilt
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT_VERSION:
        return None
    return data


def _write_atomic(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(data, fh, protocol=5)
        # Parallel builders each write their own temp file; readers see either
        # no cache or a complete one.
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def build_cache(cache_dir: str | os.PathLike | None = None, force: bool = False) -> tuple[Path, bool]:
    """Make sure the cache file is current; returns (path, whether it was built now)."""
    folder = _folder(cache_dir)
    sources = _read_sources(jionlp_dictionary_dir())
    source_hash = _source_hash(sources)
    path = _cache_file(folder, source_hash)
    if not force and _read_cache(path) is not None:
        return path, False
    _write_atomic(path, compile_gazetteer(sources, source_hash))
    with _memo_lock:
        _memo.pop(str(folder), None)
        _memo.pop(str(path), None)
    return path, True


def _load_cache_file(path: str) -> Gazetteer:
    """The Gazetteer stored at ``path`` (memoised); the target of unpickling."""
    with _memo_lock:
        g = _memo.get(path)
        if g is None:
            data = _read_cache(Path(path))
            if data is None:
                raise FileNotFoundError(f"gazetteer cache missing or unreadable: {path}")
            g = _memo[path] = Gazetteer(data, path)
        return g


def load_gazetteer(cache_dir: str | os.PathLike | None = None) -> Gazetteer:
    """The gazetteer from the cache under ``cache_dir`` (else $AUDITOR_CACHE_DIR,
    else ~/.cache/auditor), compiling it first if the jionlp data is new to it.

    One instance per cache directory and process."""
    folder = _folder(cache_dir)
    with _memo_lock:
        g = _memo.get(str(folder))
        if g is not None:
            return g
        sources = _read_sources(jionlp_dictionary_dir())
        source_hash = _source_hash(sources)
        path = _cache_file(folder, source_hash)
        g = _memo.get(str(path))
        if g is None:
            data = _read_cache(path)
            if data is None:
                # The first run after `pip install` lands here: say why it waits.
                log.warning("auditor: building the gazetteer cache in %s (first use only, about 25 s; "
                            "'python -m auditor.gazetteer build' does it ahead of time)", folder)
                data = compile_gazetteer(sources, source_hash)
                _write_atomic(path, data)
            g = Gazetteer(data, str(path))
        _memo[str(folder)] = _memo[str(path)] = g
        return g


def clear_memo() -> None:
    """Forget the gazetteers loaded in this process (tests)."""
    with _memo_lock:
        _memo.clear()


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m auditor.gazetteer", description="The administrative gazetteer cache.")
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="compile the cache (quick no-op when it is current)")
    build.add_argument("--cache-dir", help="default: $AUDITOR_CACHE_DIR or ~/.cache/auditor")
    build.add_argument("--force", action="store_true", help="rebuild even if the cache is current")
    look = sub.add_parser("lookup", help="print the units a name refers to")
    look.add_argument("names", nargs="+")
    look.add_argument("--cache-dir")
    args = parser.parse_args(argv)

    if args.command == "build":
        started = time.perf_counter()
        path, built = build_cache(args.cache_dir, force=args.force)
        elapsed = time.perf_counter() - started
        clear_memo()
        started = time.perf_counter()
        g = load_gazetteer(args.cache_dir)
        load_time = time.perf_counter() - started
        state = "built" if built else "already current"
        print(f"gazetteer cache: {path} ({state}, {path.stat().st_size / 1e6:.1f} MB)")
        for level, count in g.counts().items():
            print(f"  {level:<10} {count:>8}")
        print(f"  former names: {g.stats.get('former_names')}")
        print(f"  common words: {g.stats.get('common_words')} "
              f"({g.stats.get('common_short_names')} of them short names)")
        print(f"  geography: {g.stats.get('geography')}")
        print(f"{'build' if built else 'check'} {elapsed:.2f} s, load {load_time:.3f} s")
        return 0

    g = load_gazetteer(args.cache_dir)
    for name in args.names:
        uids = g.lookup(name)
        common = ", common word" if g.is_common_word(name) else ""
        print(f"{name}: {len(uids)} unit(s){common}")
        for uid in uids[:20]:
            print(f"  {uid:>7} {g.level_of(uid):<10} {g.path(uid)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

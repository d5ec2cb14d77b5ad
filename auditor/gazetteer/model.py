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

import logging
import re
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate, chain
from typing import overload



log = logging.getLogger("auditor")

LEVELS = ("province", "prefecture", "county", "town", "village")
PROVINCE, PREFECTURE, COUNTY, TOWN, VILLAGE = range(5)
_LEVEL_INDEX = {name: i for i, name in enumerate(LEVELS)}

# Bump whenever parsing, aliasing, the common-word rule or the payload layout
# changes: the version is part of the cache file name, so old caches are ignored.
# 5: general-language word counts and per-level name rates (auditor.map.ordinary).
# 6: telephone area codes (auditor.map.recognizers.codes).
# 7: points, borders and postal codes (auditor.gazetteer.boundaries).
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

# The 56 peoples, as the names of autonomous units write them (恩施土家族苗族自治州).
ETHNIC_GROUPS = (
    "汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 "
    "高山 拉祜 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 "
    "普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺"
).split()
_ETHNIC_ALT = "|".join(sorted(ETHNIC_GROUPS, key=len, reverse=True))  # 土家 before 土
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

    # -- geography (auditor.gazetteer.boundaries) --------------------------------------

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

    def initials(self) -> Counter:
        """How many counties and prefectures each character could abbreviate: the first of their short forms.
        From the short forms' strings, not the units (3 CPU ms instead of 41: every review round links anew)."""
        shorts = self._shorts
        return Counter(short[0] for uid in (*self.units_at("county"), *self.units_at("prefecture"))
                       if (short := shorts[uid]))

    def counts(self) -> dict[str, int]:
        """Number of units per level."""
        return {name: self._levels.count(i) for i, name in enumerate(LEVELS)}

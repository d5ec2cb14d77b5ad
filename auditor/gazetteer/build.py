"""Compiling the gazetteer from jionlp's location data (and the borders, seats
and postal codes of :mod:`auditor.gazetteer.boundaries`) into the payload the
cache holds."""

import hashlib
import importlib.util
import io
import json
import re
import zipfile
from array import array
from collections import defaultdict
from pathlib import Path

from . import boundaries
from .model import (
    _SOURCES, _TOWN_SHORT, _VILLAGE_SHORT, COUNTY, FORMAT_VERSION, LEVELS, PREFECTURE, PROVINCE, TOWN, VILLAGE,
    _Index, _Strings, derive_short,
)


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

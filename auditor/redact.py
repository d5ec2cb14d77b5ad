"""Redacts a clear text the way the demo report 000 was redacted.

The evaluation and the benchmark need redacted documents whose true place is
known; real ones are rare, so they are made from unredacted reports by the
same rules the author of 000 followed:

* the place's own name, its prefecture's and its province's are masked down to
  the name core, keeping the level suffix (原平市 → ×市, 山西省 → ×省, and a
  bare 原平 → ×), one mask per name;
* every run of Arabic digits, decimals included, becomes one mask (12.5 → ×),
  except years (2021年), which the author kept.

Everything else, town names and landmarks included, stays in the clear:
those are the leaks the auditor is meant to find.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from .gazetteer.model import ETHNIC_GROUPS

MASK = "×"

# Longest first: 自治区 before 区, 地区 before 区.
LEVEL_SUFFIXES = tuple(
    sorted(
        (
            "特别行政区", "自治区", "自治州", "自治县", "自治旗", "地区", "林区", "特区", "矿区",
            "新区", "省", "市", "县", "区", "盟", "旗",
        ),
        key=len,
        reverse=True,
    )
)

# An autonomous unit names its peoples between core and suffix (恩施|土家族苗族|自治州).
# 族 is often dropped after a longer name (伊犁|哈萨克|自治州, 新疆|维吾尔|自治区)
# but never after a one-character one, which keeps 白水 whole.
_ETHNIC_TAIL = re.compile(
    "(?:%s)+"
    % "|".join(
        [g + "族" for g in sorted(ETHNIC_GROUPS, key=len, reverse=True)]
        + [g + "族?" for g in sorted(ETHNIC_GROUPS, key=len, reverse=True) if len(g) >= 2]
        + ["各族"]
    )
)

_DIGIT = "0-9０-９"
# A number is a digit run with its decimal part and thousands groups (1,234.5);
# the full-width ， only ever separates items (30，123 are two numbers).
_NUMBER = re.compile(
    rf"(?<![{_DIGIT}])[{_DIGIT}]+(?:,[0-9]{{3}}(?![{_DIGIT}]))*(?:[.．][{_DIGIT}]+)*"
)
# Years stay: 2021年, and 2012 年 as some reports space it.
_YEAR = re.compile(r"[2２][0０][0-9０-９]{2}[ \u3000\u00a0]*年")


def split_name(name: str) -> tuple[str, str]:
    """(core, suffix) of an administrative name: 忻州市 → (忻州, 市),
    恩施土家族苗族自治州 → (恩施, 土家族苗族自治州); (name, '') when nothing
    sensible remains once the suffix is gone (a bare core such as 原平)."""
    for suffix in LEVEL_SUFFIXES:
        if len(name) > len(suffix) and name.endswith(suffix):
            stem = name[: -len(suffix)]
            if suffix.startswith("自治"):
                # the longest run of peoples that still leaves a two-character
                # core (内蒙古 is no 内 + 蒙古)
                for start in range(2, len(stem)):
                    if _ETHNIC_TAIL.fullmatch(stem, start):
                        return stem[:start], stem[start:] + suffix
                if stem.endswith("族") and _ETHNIC_TAIL.fullmatch(stem):
                    return stem[:-1], "族" + suffix  # 鄂温克族自治旗: the people is the place
            return stem, suffix
    return name, ""


def name_core(name: str) -> str:
    return split_name(name)[0]


def _is_unit(name: str | None) -> bool:
    # 省直辖县级行政区划 (manifest: 省直辖) is a tier of the statistics, not a place
    return bool(name) and not name.startswith("省直辖") and "直辖行政区划" not in name


def names_for(province: str | None, prefecture: str | None, county: str | None) -> list[str]:
    """The names a redactor of a document about this place masks, longest first:
    each unit's full name and its core (山西省, 忻州市, 原平市, 山西, 忻州, 原平).

    A one-character core (蠡 of 蠡县) is left out: masked alone it would also
    blot out 范蠡 and every other word sharing the character, which no
    redactor does; the full name still masks it (蠡县 → ×县)."""
    names: set[str] = set()
    for unit in (province, prefecture, county):
        if not _is_unit(unit):
            continue
        unit = unit.strip()
        names.add(unit)
        core = name_core(unit)
        if len(core) >= 2:
            names.add(core)
    return sorted(names, key=lambda n: (-len(n), n))


def _mask_numbers(text: str, mask: str, keep_length: bool = False) -> str:
    def replace(m: re.Match) -> str:
        if _YEAR.match(text, m.start()) and len(m.group()) == 4:
            return m.group()
        return mask * len(m.group()) if keep_length else mask

    return _NUMBER.sub(replace, text)


def redact_text(text: str, names: Iterable[str], mask: str = MASK, numbers: bool = True,
                keep_length: bool = False) -> str:
    """``text`` with every occurrence of ``names`` masked to its core (忻州市 → ×市,
    忻州 → ×) and, if ``numbers``, every non-year Arabic number masked (12.5 → ×);
    with ``keep_length``, one glyph per hidden character (忻州市 → ××市, 12.5 → ××××).

    Where names overlap the longest wins (黄山区 before 黄山), so pass full
    names as well as cores, as :func:`names_for` returns them."""
    wanted = sorted({n for n in names if n}, key=lambda n: (-len(n), n))
    if wanted:
        pattern = re.compile("|".join(map(re.escape, wanted)))
        suffixes = {n: split_name(n)[1] for n in wanted}
        def masked(m: re.Match) -> str:
            suffix = suffixes[m.group()]
            hidden = len(m.group()) - len(suffix)
            return (mask * hidden if keep_length else mask) + suffix

        text = pattern.sub(masked, text)
    if numbers:
        text = _mask_numbers(text, mask, keep_length)
    return text

"""Loading the rule files in ``rules/``: rules are data, not code.

The default rules ship inside the package (``auditor/default_rules`` in an installed
copy, the top-level ``rules/`` folder in a checkout); ``--rules DIR`` or the
``AUDITOR_RULES`` environment variable points at a user's own copy.

:func:`load_rules` reads and validates every rule file once, before any document
is read: required keys, types, ranges, and no unknown key (a typo must not
silently drop a rule). Each error is a :class:`RulesError` naming the file and
the key or entry (and the line, in ``landmarks.tsv``).

Patterns are compiled with mrab-regex (the ``regex`` module, in its version-0
mode: the syntax of Python's ``re``), because it can stop a match that runs too
long: a pattern written with catastrophic backtracking (``(a+)+$``) would
otherwise hang a scan. Every match on document text passes
``timeout=match_timeout(text)``; a pattern that runs out of time raises
:class:`TimeoutError` naming its file and entry, and the scan gives that
document the status ``rule-timeout``.
"""
from __future__ import annotations

import hashlib
import os
import re
import stat
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import regex

from .errors import RulesError

_CHECKOUT_RULES = Path(__file__).resolve().parent.parent / "rules"
_PACKAGED_RULES = Path(__file__).resolve().parent / "default_rules"

# The time a rule pattern may take over one text: a fixed part, plus a part
# that grows with the text, so that a long but harmless document is not cut off.
MATCH_TIMEOUT_SECONDS = 2.0
MATCH_TIMEOUT_SECONDS_PER_MILLION_CHARS = 1.0
# A rule or policy file larger than this is not a rule file (or is /dev/zero).
RULE_FILE_MAX_BYTES = 16 * 1024 * 1024

Pattern = regex.Pattern


def match_timeout(text: str) -> float:
    """Seconds a rule pattern may spend matching over ``text``."""
    return MATCH_TIMEOUT_SECONDS + MATCH_TIMEOUT_SECONDS_PER_MILLION_CHARS * len(text) / 1_000_000


def rule_timeout(where: str, timeout: float) -> TimeoutError:
    """The error for a pattern that ran out of time; the scan turns it into a document status."""
    return TimeoutError(f"{where}: the pattern ran longer than {timeout:.1f} s on this document "
                        "(catastrophic backtracking?); the document is not checked")


def default_rules_dir() -> Path:
    env = os.environ.get("AUDITOR_RULES")
    if env:
        return Path(env)
    # A checkout's rules/ wins over the packaged copy so that edits show at once.
    for candidate in (_CHECKOUT_RULES, _PACKAGED_RULES):
        if (candidate / "masks.toml").is_file():
            return candidate
    raise RulesError("no rules folder found; pass --rules DIR or set AUDITOR_RULES")


# ---------------------------------------------------------------------------
# Reading files safely
# ---------------------------------------------------------------------------


def read_small_file(path: Path, error: type[Exception] = RulesError, what: str = "rule file",
                    max_bytes: int = RULE_FILE_MAX_BYTES) -> str:
    """The UTF-8 text of a regular file of sane size. A fifo, a device, a folder
    or /proc/self/mem is refused with ``error`` (never a hang or a traceback):
    the file is opened without blocking and checked as opened, not as named."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError as exc:
        raise error(f"{what} not found: {path}") from exc
    except OSError as exc:
        raise error(f"{what} cannot be opened: {path}: {exc.strerror or exc}") from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise error(f"{what} is not a regular file: {path}")
        if info.st_size > max_bytes:
            raise error(f"{what} is too large ({info.st_size} bytes, at most {max_bytes}): {path}")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise error(f"{what} cannot be read: {path}: {exc.strerror or exc}") from exc
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise error(f"{what} is too large (over {max_bytes} bytes): {path}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text (byte {exc.start})") from exc


def read_toml(path: Path, error: type[Exception] = RulesError, what: str = "rule file") -> dict:
    text = read_small_file(path, error, what)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML: {exc}") from exc


def _content_lines(path: Path) -> list[tuple[int, str]]:
    """(line number, line) of the lines that are neither blank nor '#' comments."""
    lines = read_small_file(path).splitlines()
    return [(number, line) for number, line in enumerate(lines, start=1)
            if line.strip() and not line.lstrip().startswith("#")]


def read_list(path: Path) -> list[str]:
    """A one-entry-per-line list; '#' starts a comment."""
    return [line.strip() for _, line in _content_lines(path)]


def read_table(path: Path) -> list[tuple[int, list[str]]]:
    """A tab-separated table with '#' comment lines and no header: (line number, columns)."""
    return [(number, line.split("\t")) for number, line in _content_lines(path)]


# ---------------------------------------------------------------------------
# Validating TOML tables
# ---------------------------------------------------------------------------

_REQUIRED = object()


# A pattern with no repetition and no back-reference, and this few ways through
# its alternatives, does a bounded amount of work at each position of a text.
BOUNDED_PATHS = 1000
# The longest slot context (slots.toml context_chars). On a text of n characters,
# k repetitions of one character class cost at most about n ** (k + 1) steps: a
# pattern only ever matched on such short texts runs under re while that stays
# below SHORT_INPUT_STEPS.
SHORT_INPUT_CHARS = 64
# re's own parser and its node types (Python 3.11+), to count a pattern's paths.
_re_parser, _re_constants = re._parser, re._constants
SHORT_INPUT_STEPS = 1_000_000


def _paths(items, single_repeats: list[int] | None = None) -> int | None:
    """Ways through a parsed ``re`` pattern, or None when it repeats or refers back.
    With ``single_repeats`` (a counter), a repetition of one character or class
    (``\\s*``, ``\\S{1,3}``) is counted there instead: it cannot backtrack
    exponentially, only polynomially in the length of the text."""
    c = _re_constants
    total = 1
    for op, arg in items:
        if single_repeats is not None and op in (c.MAX_REPEAT, c.MIN_REPEAT) and len(arg[2]) == 1 \
                and arg[2][0][0] in (c.LITERAL, c.NOT_LITERAL, c.IN, c.ANY):
            single_repeats[0] += 1
            continue
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT, c.GROUPREF, c.GROUPREF_EXISTS):
            return None
        if op is c.BRANCH:
            counts = [_paths(branch, single_repeats) for branch in arg[1]]
            if None in counts:
                return None
            total *= sum(counts)
        elif op in (c.SUBPATTERN, c.ATOMIC_GROUP, c.ASSERT, c.ASSERT_NOT):
            inner = _paths(arg[-1], single_repeats)
            if inner is None:
                return None
            total *= inner
        if total > BOUNDED_PATHS:
            return None
    return total


def bounded_re(source: str, input_chars: int | None = None) -> re.Pattern[str] | None:
    """``source`` compiled with ``re`` when it cannot backtrack badly (see
    BOUNDED_PATHS): re runs such patterns several times faster than regex
    (驻X部队, 忻原大道 on every line of every text), with no time bound needed."""
    try:
        # input_chars: the pattern only ever sees texts this short (a slot's context).
        repeats = [0] if input_chars is not None else None
        if _paths(_re_parser.parse(source), repeats) is None:
            return None
        if repeats and input_chars ** (repeats[0] + 1) > SHORT_INPUT_STEPS:
            return None
        return re.compile(source)
    except (re.error, AttributeError, RecursionError):
        return None  # regex's own syntax, or another Python: regex, with its time bound


def compile_pattern(source: str, path: Path, where: str, may_match_empty: bool = True) -> Pattern:
    try:
        pattern = regex.compile(source, regex.VERSION0)
    except (regex.error, ValueError, TypeError) as exc:
        raise RulesError(f"{path}: {where}: bad regular expression {source!r}: {exc}") from exc
    if not may_match_empty and pattern.search("") is not None:
        raise RulesError(f"{path}: {where}: the pattern {source!r} matches the empty string, "
                         "so it would find a mask at every character")
    return pattern


class _Table:
    """One TOML table of a rule file being validated: each value is checked as
    it is read, and :meth:`done` refuses every key that was never read."""

    def __init__(self, path: Path, where: str, data):
        self.path, self.where = path, where
        if not isinstance(data, dict):
            raise RulesError(f"{path}: {where or 'the file'} must be a table, not {data!r}")
        self.data = data
        self._read: set[str] = set()

    def name(self, key: str) -> str:
        return f"{self.where} {key}".strip() if self.where else key

    def error(self, key: str, message: str) -> RulesError:
        return RulesError(f"{self.path}: {self.name(key)}: {message}")

    def value(self, key: str, kinds: tuple[type, ...], what: str, default=_REQUIRED):
        self._read.add(key)
        if key not in self.data:
            if default is _REQUIRED:
                raise self.error(key, f"missing (required: {what})")
            return default
        value = self.data[key]
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise self.error(key, f"must be {what}, not {value!r}")
        return value

    def string(self, key: str, default=_REQUIRED, allow_empty: bool = False) -> str:
        value = self.value(key, (str,), "a string", default)
        if not allow_empty and value == "" and key in self.data:
            raise self.error(key, "must not be empty")
        return value

    def number(self, key: str, low: float, high: float, default=_REQUIRED) -> float:
        value = float(self.value(key, (int, float), f"a number from {low} to {high}", default))
        if not low <= value <= high:
            raise self.error(key, f"must be from {low} to {high}, not {value}")
        return value

    def positive(self, key: str, default=_REQUIRED) -> float:
        value = float(self.value(key, (int, float), "a number above 0", default))
        if not 0 < value < float("inf"):
            raise self.error(key, f"must be a number above 0, not {value}")
        return value

    def integer(self, key: str, low: int, high: int, default=_REQUIRED) -> int:
        value = self.value(key, (int,), f"a whole number from {low} to {high}", default)
        if not low <= value <= high:
            raise self.error(key, f"must be from {low} to {high}, not {value}")
        return value

    def flag(self, key: str, default: bool = False) -> bool:
        return self.value(key, (bool,), "true or false", default)

    def strings(self, key: str, default=_REQUIRED) -> tuple[str, ...]:
        values = self.value(key, (list,), "a list of strings", default)
        for index, value in enumerate(values):
            if not isinstance(value, str) or not value:
                raise self.error(f"{key}[{index}]", f"must be a non-empty string, not {value!r}")
        return tuple(values)

    def pattern(self, key: str, default=_REQUIRED, may_match_empty: bool = True) -> Pattern | None:
        source = self.string(key, default)
        if source is None:
            return None
        return compile_pattern(source, self.path, self.name(key), may_match_empty)

    def patterns(self, key: str, default=_REQUIRED) -> tuple[Pattern, ...]:
        return tuple(compile_pattern(source, self.path, f"{self.name(key)}[{index}]")
                     for index, source in enumerate(self.strings(key, default)))

    def table(self, key: str) -> "_Table":
        where = f"[{self.where[1:-1]}.{key}]" if self.where.startswith("[") else f"[{key}]"
        return _Table(self.path, where, self.value(key, (dict,), "a table"))

    def entries(self, key: str) -> list["_Table"]:
        """The ``[[key]]`` entries, each named by its required ``name``."""
        found = []
        for index, data in enumerate(self.value(key, (list,), f"a list of [[{key}]] tables", [])):
            entry = _Table(self.path, f"[[{key}]] #{index + 1}", data)
            entry.where = f"[[{key}]] {entry.string('name')!r}"
            found.append(entry)
        return found

    def done(self) -> None:
        unknown = sorted(set(self.data) - self._read)
        if unknown:
            known = ", ".join(sorted(self._read)) or "none"
            raise RulesError(f"{self.path}: {self.where or 'top level'}: unknown key(s) "
                             f"{', '.join(unknown)} (known: {known})")


# ---------------------------------------------------------------------------
# The rule records
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NamedPattern:
    name: str
    regex: Pattern
    requires: str = ""  # the pattern cannot match a text holding none of these characters
    where: str = ""  # file and entry, for the messages

    def may_match(self, text: str) -> bool:
        return not self.requires or any(ch in text for ch in self.requires)

    def matches(self, text: str, timeout: float) -> list:
        """Every match over ``text``; TimeoutError naming this entry past ``timeout``."""
        try:
            return list(self.regex.finditer(text, timeout=timeout))
        except TimeoutError:
            raise rule_timeout(self.where, timeout) from None


@dataclass(frozen=True)
class MaskRules:
    glyphs: tuple[NamedPattern, ...]
    exceptions: tuple[NamedPattern, ...]
    # Characters that look like masks but are no known glyph (◆◆县, ★★市): a
    # document with only these is suspected, not taken as masked.
    suspects: tuple[NamedPattern, ...] = ()
    joins: tuple["MaskJoin", ...] = ()

    @property
    def characters(self) -> "MaskCharacters":
        """The mask characters, from the glyphs' ``requires``: the one list that
        other modules (the linker's anchors, near-duplicate clauses) use."""
        every = "".join(dict.fromkeys("".join(glyph.requires for glyph in self.glyphs)))
        alone = [ch for ch in every if any(glyph.regex.fullmatch(ch) for glyph in self.glyphs)]
        return MaskCharacters(every, "".join(ch for ch in alone if not ch.isalnum()),
                              "".join(ch for ch in alone if ch.isalnum()))


@dataclass(frozen=True)
class MaskCharacters:
    every: str  # every character a glyph needs (某, %, ? too, masks only in context)
    # Characters that are a mask on their own: symbols (×, ＊, ■) are one
    # wherever they stand; letters and numerals (X, x, 〇) only as a whole value.
    symbols: str
    letters: str

    def symbol_class(self) -> str:
        """The symbols as a regex character class's inside."""
        return re.escape(self.symbols)


@dataclass(frozen=True)
class MaskJoin:
    """Two mask runs that are one slot: the text between them fully matches
    ``between`` (x.x, × ×, X/X/XX) and the text after the second starts with
    ``then`` when given (X年X月)."""
    name: str
    between: Pattern
    then: Pattern | None = None


@dataclass(frozen=True)
class SlotRule:
    name: str
    slot_type: str
    level: str
    before: Pattern | None
    after: Pattern | None
    takes_unit: bool
    mask: Pattern | None = None  # what the mask itself must match
    where: str = ""


@dataclass(frozen=True)
class SlotRules:
    context_chars: int
    rules: tuple[SlotRule, ...]
    units: tuple[str, ...]  # longest first


@dataclass(frozen=True)
class ClueRules:
    weights: dict[str, float]
    min_short_chars: int
    min_village_core_chars: int
    generic_names: frozenset[str]
    not_a_place_after: Pattern | re.Pattern[str]  # re where bounded_re allows: it runs at every short name
    elsewhere_before: Pattern
    elsewhere_after: Pattern
    unverified_suffixes: tuple[str, ...]
    min_stem_chars: int
    # [ordinary]: the exceptions to auditor.map.ordinary's judgement
    ordinary_words: tuple[str, ...] = ()  # never a place name where they stand (工业兴县)
    ordinary_names: frozenset[str] = frozenset()  # always a place name
    ordinary_title_before: Pattern | None = None  # an honour's verb before the name (创建“)
    ordinary_title_after: Pattern | None = None  # an honour's noun after it (”称号)
    ordinary_slogan: Pattern | None = None  # two characters before and the name (工业兴县)
    ordinary_company_after: Pattern | None = None  # a company or brand after the name (…有限公司)
    ordinary_listed_as: Pattern | None = None  # a list of things other than units the name is one of (…等景区)
    generic_endings: tuple[str, ...] = ()  # a village-level name ending so is a street's, not one place's


@dataclass(frozen=True)
class AbbreviationPattern:
    name: str
    regex: Pattern
    pair: bool
    where: str = ""
    requires: str = ""  # as NamedPattern.requires: a line with none of these is not searched
    fast: re.Pattern[str] | None = None  # bounded_re(regex.pattern)

    def may_match(self, text: str) -> bool:
        return not self.requires or any(ch in text for ch in self.requires)


@dataclass(frozen=True)
class LandmarkRow:
    name: str
    kind: str
    places: tuple[str, ...]  # gazetteer paths
    line: int


# What the level model of linker.toml [level.model] weighs, in this order (see
# linker.level_features): a constant, the text's self-descriptions, how its
# clues spread over the best prefecture's counties, and what its masks hide
# (a text that masks no place names its own in clear: the balance of names
# means another thing there, and has its own weight).
LEVEL_FEATURES = ("bias", "prefecture_cues", "county_cues", "named_counties", "top_county_share",
                  "own_name_balance", "county_slot_share", "unmasked", "own_name_balance_unmasked")


@dataclass(frozen=True)
class LinkerConfig:
    reidentified_confidence: float
    anonymity_factor: float
    calibration: tuple[float, float]  # Platt (slope, intercept) of the top posterior: risk.calibrated
    prefecture_cues: tuple[Pattern, ...]
    county_cues: tuple[Pattern, ...]
    # The level model: P(prefecture) = sigmoid(Σ weight × feature), LEVEL_FEATURES in order.
    level_model: tuple[float, ...]
    subject_before: Pattern | None
    subject_after: Pattern | None
    subject_ratio: float
    outside_discount: float
    near_duplicate_threshold: float
    anchor_chars: int
    year_sections: tuple[Pattern, ...]
    year_section_confidence: float
    copy_confidence: float
    same_text_confidence: float
    leak_confidence: float
    # Mask length (auditor.reduce.mask_length): read in a document with at least
    # min_slots place masks of varied length, none longer than max_glyphs; a
    # unit whose name fits none of the masks is that much less likely.
    mask_length_min_slots: int = 3
    mask_length_max_glyphs: int = 5
    mask_length_mismatch_ratio: float = 0.2


@dataclass(frozen=True)
class Rules:
    folder: Path
    masks: MaskRules
    slots: SlotRules
    clues: ClueRules | None = None
    abbreviations: tuple[AbbreviationPattern, ...] = ()
    landmarks: tuple[LandmarkRow, ...] = ()
    linker: LinkerConfig | None = None
    codes: tuple[CodePattern, ...] = ()
    geography: "GeographyRules | None" = None
    zones: tuple[LandmarkRow, ...] = ()
    old_names: tuple[LandmarkRow, ...] = ()
    # The digest of the folder's files, read before they were loaded: the map cache's key (auditor.mapcache).
    digest: str = ""


# ---------------------------------------------------------------------------
# One loader per file
# ---------------------------------------------------------------------------


def _named_patterns(table: _Table, key: str, may_match_empty: bool) -> tuple[NamedPattern, ...]:
    found = []
    for entry in table.entries(key):
        pattern = entry.pattern("pattern", may_match_empty=may_match_empty)
        requires = entry.string("requires", "")
        entry.done()
        found.append(NamedPattern(entry.data["name"], pattern, requires, f"{table.path.name} {entry.where}"))
    return tuple(found)


def load_mask_rules(folder: Path) -> MaskRules:
    path = folder / "masks.toml"
    table = _Table(path, "", read_toml(path))
    glyphs = _named_patterns(table, "glyph", may_match_empty=False)
    if not glyphs:
        raise RulesError(f"{path}: no [[glyph]] entries")
    exceptions = _named_patterns(table, "exception", may_match_empty=False)
    suspects = _named_patterns(table, "suspect", may_match_empty=False)
    joins = tuple(_mask_join(entry) for entry in table.entries("join"))
    table.done()
    return MaskRules(glyphs, exceptions, suspects, joins)


def _mask_join(entry: _Table) -> MaskJoin:
    join = MaskJoin(entry.data["name"], entry.pattern("between", may_match_empty=False), entry.pattern("then", None))
    entry.done()
    return join


@lru_cache(maxsize=1)
def default_mask_characters() -> MaskCharacters:
    """The mask characters of the default ``masks.toml``, for the modules whose
    patterns are built once at import (linker, neardup)."""
    return load_mask_rules(default_rules_dir()).characters


# person: a hidden person's name; formula: fixed political text that identifies
# nobody (党的XX大); date: a date with hidden parts. None of them is a place.
SLOT_TYPES = ("number", "ordinal", "year", "date", "code", "place", "person", "formula", "unknown")
_SLOT_TYPES = SLOT_TYPES
# town: 镇/乡/街道/苏木; village: 村/社区. Both lie below the document's county.
PLACE_LEVELS = ("province", "prefecture", "county", "town", "village", "unknown")
_PLACE_LEVELS = PLACE_LEVELS + ("",)


def _slot_rule(entry: _Table) -> SlotRule:
    slot_type = entry.string("type")
    level = entry.string("level", "", allow_empty=True)
    if slot_type not in _SLOT_TYPES:
        raise entry.error("type", f"unknown type {slot_type!r} (known: {', '.join(_SLOT_TYPES)})")
    if level not in _PLACE_LEVELS:
        raise entry.error("level", f"unknown level {level!r} (known: {', '.join(filter(None, _PLACE_LEVELS))})")
    rule = SlotRule(
        name=entry.data["name"],
        slot_type=slot_type,
        level=level or ("unknown" if slot_type == "place" else ""),
        before=entry.pattern("before", None),
        after=entry.pattern("after", None),
        takes_unit=entry.flag("unit"),
        mask=entry.pattern("mask", None),
        where=f"slots.toml {entry.where}",
    )
    entry.done()
    return rule


def load_slot_rules(folder: Path) -> SlotRules:
    path = folder / "slots.toml"
    table = _Table(path, "", read_toml(path))
    context_chars = table.integer("context_chars", 1, SHORT_INPUT_CHARS, 12)
    rules = tuple(_slot_rule(entry) for entry in table.entries("rule"))
    table.done()
    units = tuple(sorted(set(read_list(folder / "units.txt")), key=len, reverse=True))
    return SlotRules(context_chars, rules, units)


def load_clue_rules(folder: Path) -> ClueRules:
    path = folder / "clues.toml"
    table = _Table(path, "", read_toml(path))
    weights_table = table.table("weights")
    weights = {key: weights_table.positive(key) for key in ("local_rate", "general_rate")}
    weights["elsewhere_factor"] = weights_table.number("elsewhere_factor", 0.0, 1.0)
    weights["repeat_bonus"] = weights_table.number("repeat_bonus", 0.0, 10.0)
    weights_table.done()
    names = table.table("names")
    elsewhere = table.table("elsewhere")
    unverified = table.table("unverified")
    ordinary = table.table("ordinary") if "ordinary" in table.data else _Table(path, "[ordinary]", {})
    rules = ClueRules(
        weights=weights,
        min_short_chars=names.integer("min_short_chars", 1, 20),
        min_village_core_chars=names.integer("min_village_core_chars", 1, 20),
        generic_names=frozenset(names.strings("generic", ())),
        generic_endings=names.strings("generic_endings", ()),
        not_a_place_after=_fast_if_bounded(names.pattern("not_a_place_after", "(?!)")),
        elsewhere_before=elsewhere.pattern("before"),
        elsewhere_after=elsewhere.pattern("after"),
        unverified_suffixes=tuple(sorted(unverified.strings("suffixes"), key=len, reverse=True)),
        min_stem_chars=unverified.integer("min_stem_chars", 1, 20),
        ordinary_words=ordinary.strings("words", ()),
        ordinary_names=frozenset(ordinary.strings("names", ())),
        ordinary_title_before=ordinary.pattern("title_before", None),
        ordinary_title_after=ordinary.pattern("title_after", None),
        ordinary_slogan=ordinary.pattern("slogan", None, may_match_empty=False),
        ordinary_company_after=ordinary.pattern("company_after", None, may_match_empty=False),
        ordinary_listed_as=ordinary.pattern("listed_as", None, may_match_empty=False),
    )
    both = set(rules.ordinary_words) & rules.ordinary_names
    if both:
        raise ordinary.error("names", f"{', '.join(sorted(both))} also listed in words: a string is one or the other")
    for part in (names, elsewhere, unverified, ordinary, table):
        part.done()
    return rules


def _fast_if_bounded(pattern: Pattern) -> Pattern | re.Pattern[str]:
    return bounded_re(pattern.pattern) or pattern


def load_abbreviations(folder: Path) -> tuple[AbbreviationPattern, ...]:
    path = folder / "abbreviations.toml"
    if not path.exists() and not path.is_symlink():
        return ()  # optional: a rules folder may do without abbreviations
    table = _Table(path, "", read_toml(path))
    patterns = []
    for entry in table.entries("pattern"):
        pattern = entry.pattern("regex", may_match_empty=False)
        pair = entry.flag("pair")
        requires = entry.string("requires", "")
        needed = ("a", "b") if pair else ("a",)
        missing = [group for group in needed if group not in pattern.groupindex]
        if missing:
            raise entry.error("regex", f"needs the named group(s) {', '.join(missing)}")
        entry.done()
        patterns.append(AbbreviationPattern(entry.data["name"], pattern, pair, f"abbreviations.toml {entry.where}",
                                            requires, bounded_re(pattern.pattern)))
    table.done()
    return tuple(patterns)


# admin-code, area-code: the code itself; id-card: the first six digits of a
# resident ID number (the county of household registration); court-case: the
# court's code in a case number ((2024)晋0981民初123号), looked up through
# [court_provinces]; plate: a number-plate prefix (晋H), looked up in plates.tsv;
# postal-code: a six-digit postal code (034100), looked up in the gazetteer cache.
CODE_KINDS = ("admin-code", "area-code", "id-card", "court-case", "plate", "postal-code")
# What a rule may look behind a match for (not_before): the label of another number.
CODE_NOT_BEFORE_CHARS = 16
_PLATE_PREFIX = re.compile(r"[\u4e00-\u9fff][A-HJ-NP-Z]")  # 晋H: no I or O, as GA 36 prints them
_PROVINCE_CODE = re.compile(r"[1-8][0-9]")


@dataclass(frozen=True)
class CodePattern:
    """Where a code that names a place stands in clear text (codes.toml)."""

    name: str
    kind: str  # one of CODE_KINDS: what table the group ``code`` is looked up in
    regex: Pattern
    not_after: Pattern | None  # text right after the code that makes it something else (an amount)
    where: str
    # Searched in the CODE_NOT_BEFORE_CHARS characters before the match: the
    # label of another number (账号, 订单号 before an ID-shaped number).
    not_before: Pattern | None = None
    check_digit: bool = False  # id-card: a number written in full must pass its check digit (GB 11643)
    # court-case: province abbreviation -> (two-digit code, where stated);
    # plate: prefix -> (gazetteer path, where stated: plates.tsv line N).
    table: dict[str, tuple[str, str]] | None = None


def load_code_patterns(folder: Path) -> tuple[CodePattern, ...]:
    path = folder / "codes.toml"
    if not path.exists() and not path.is_symlink():
        return ()  # optional, like abbreviations.toml
    table = _Table(path, "", read_toml(path))
    provinces = _court_provinces(table) if "court_provinces" in table.data else None
    plates = load_plates(folder)
    patterns = []
    for entry in table.entries("pattern"):
        kind = entry.string("kind")
        if kind not in CODE_KINDS:
            raise entry.error("kind", f"unknown kind {kind!r} (known: {', '.join(CODE_KINDS)})")
        pattern = entry.pattern("regex", may_match_empty=False)
        if "code" not in pattern.groupindex:
            raise entry.error("regex", "needs the named group 'code'")
        not_after = entry.pattern("not_after", None, may_match_empty=False)
        not_before = entry.pattern("not_before", None, may_match_empty=False)
        check_digit = entry.flag("check_digit")
        if check_digit and kind != "id-card":
            raise entry.error("check_digit", f"only an id-card pattern has a check digit, not {kind!r}")
        lookup = None
        if kind == "court-case":
            if not provinces:
                raise entry.error("kind", "a court-case pattern needs the [court_provinces] table of codes.toml")
            lookup = provinces
        elif kind == "plate":
            if plates is None:
                raise entry.error("kind", f"a plate pattern needs {folder / PLATES_FILE} (prefix, path, source)")
            lookup = plates
        entry.done()
        patterns.append(CodePattern(entry.data["name"], kind, pattern, not_after, f"codes.toml {entry.where}",
                                    not_before, check_digit, lookup))
    table.done()
    return tuple(patterns)


def _court_provinces(table: _Table) -> dict[str, tuple[str, str]]:
    """[court_provinces]: the province abbreviation of a case number -> the first
    two digits of its division codes (晋 = "14")."""
    provinces = table.table("court_provinces")
    found = {}
    for key in list(provinces.data):
        code = provinces.string(key)
        if len(key) != 1 or not "\u4e00" <= key <= "\u9fff":
            raise provinces.error(key, "the key must be one Chinese character (a province abbreviation: 晋)")
        if not _PROVINCE_CODE.fullmatch(code):
            raise provinces.error(key, f"must be the two digits of a province code (\"14\"), not {code!r}")
        found[key] = (code, f"codes.toml {provinces.name(key)}")
    provinces.done()
    return found


PLATES_FILE = "plates.tsv"


def load_plates(folder: Path) -> dict[str, tuple[str, str]] | None:
    """plates.tsv: prefix (晋H), gazetteer path (山西省/忻州市), source; None without the file.
    Checked here for form; tests/test_codes.py checks every path against the
    gazetteer (the recognizer skips a row whose path it does not know, as the
    landmark recognizer does)."""
    path = folder / PLATES_FILE
    if not path.exists() and not path.is_symlink():
        return None
    found: dict[str, tuple[str, str]] = {}
    for number, columns in read_table(path):
        where = f"{path}: line {number}"
        if len(columns) != 3:
            raise RulesError(f"{where}: expected 3 tab-separated columns (prefix, path, source), found {len(columns)}")
        prefix, place, source = (column.strip() for column in columns)
        if not _PLATE_PREFIX.fullmatch(prefix):
            raise RulesError(f"{where}: {prefix!r} is not a plate prefix (a province character and a letter "
                             "other than I and O: 晋H)")
        if not 1 <= place.count("/") + 1 <= 3 or any(not part.strip() for part in place.split("/")):
            raise RulesError(f"{where}: {place!r} is not a gazetteer path (province[/prefecture[/county]])")
        if not source:
            raise RulesError(f"{where}: the source (column 3) of {prefix} is empty")
        if prefix in found:
            raise RulesError(f"{where}: {prefix} is listed twice (first at {found[prefix][1]})")
        found[prefix] = (place, f"{PLATES_FILE} line {number}")
    return found


LANDMARK_KINDS = ("river", "mountain", "scenic", "temple", "grotto", "pass", "reservoir", "lake",
                  "ancient-town", "person", "product", "other")
# The other files of landmark form: zones.tsv (new areas, development and bonded
# zones, each with its host counties) and old_names.tsv (古称, 别称: 豳州, 并州).
ZONE_KINDS = ("new-area", "dev-zone", "hi-tech-zone", "bonded-zone", "ftz-area")
OLD_NAME_KINDS = ("old-name",)


def load_landmarks(folder: Path, filename: str = "landmarks.tsv",
                   kinds: tuple[str, ...] = LANDMARK_KINDS) -> tuple[LandmarkRow, ...]:
    path = folder / filename
    if not path.exists() and not path.is_symlink():
        return ()  # optional, like abbreviations.toml
    rows = []
    for number, columns in read_table(path):
        where = f"{path}: line {number}"
        if not 3 <= len(columns) <= 4:
            raise RulesError(f"{where}: expected 3 or 4 tab-separated columns (name, kind, places, note), "
                             f"found {len(columns)}")
        name, kind, places = columns[0].strip(), columns[1].strip(), columns[2]
        if not name:
            raise RulesError(f"{where}: the name (column 1) is empty")
        if kind not in kinds:
            raise RulesError(f"{where}: unknown kind {kind!r} (known: {', '.join(kinds)})")
        paths = tuple(p.strip() for p in places.split(";") if p.strip())
        if not paths:
            raise RulesError(f"{where}: no places (column 3) for {name!r}")
        bad = [p for p in paths if not 1 <= p.count("/") + 1 <= 3 or any(not part for part in p.split("/"))]
        if bad:
            raise RulesError(f"{where}: places of {name!r}: {bad[0]!r} is not a gazetteer path "
                             "(province[/prefecture]/county)")
        rows.append(LandmarkRow(name, kind, paths, number))
    return tuple(rows)


GEOGRAPHY_KINDS = ("inside", "border", "distance")


@dataclass(frozen=True)
class GeographyRelation:
    """One way a sentence places the text's place relative to a named one
    (geography.toml [[relation]]): ``before`` must match right before the name
    (it ends in $), ``after`` right after it (it begins with ^)."""

    name: str
    kind: str  # one of GEOGRAPHY_KINDS
    before: Pattern | None
    after: Pattern | None
    where: str


@dataclass(frozen=True)
class GeographyRules:
    trigger: Pattern  # a line without it holds no relation: the names in it are not read again
    relations: tuple[GeographyRelation, ...]
    low: float  # distance: a seat fits a road distance d at low·d − slack_km … high·d + slack_km in a straight line
    high: float
    slack_km: float
    sector_degrees: float  # inside: half the width of a compass part (北部: 0° ± this)


def load_geography(folder: Path) -> GeographyRules | None:
    path = folder / "geography.toml"
    if not path.exists() and not path.is_symlink():
        return None  # optional, like abbreviations.toml
    table = _Table(path, "", read_toml(path))
    trigger = table.pattern("trigger", may_match_empty=False)
    relations = []
    for entry in table.entries("relation"):
        kind = entry.string("kind")
        if kind not in GEOGRAPHY_KINDS:
            raise entry.error("kind", f"unknown kind {kind!r} (known: {', '.join(GEOGRAPHY_KINDS)})")
        before = entry.pattern("before", None)
        after = entry.pattern("after", None)
        if before is None and after is None:
            raise entry.error("before", "a relation needs a before or an after pattern")
        if kind == "distance" and "km" not in (after.groupindex if after is not None else {}):
            raise entry.error("after", "a distance relation's after pattern needs the named group 'km'")
        entry.done()
        relations.append(GeographyRelation(entry.data["name"], kind, before, after, f"geography.toml {entry.where}"))
    distance, inside = table.table("distance"), table.table("inside")
    rules = GeographyRules(
        trigger, tuple(relations),
        low=distance.number("low", 0.0, 10.0), high=distance.number("high", 0.0, 10.0),
        slack_km=distance.number("slack_km", 0.0, 1000.0),
        sector_degrees=inside.number("sector_degrees", 1.0, 180.0),
    )
    if rules.low > rules.high:
        raise distance.error("low", f"must not exceed high ({rules.high})")
    for part in (distance, inside, table):
        part.done()
    return rules


def load_linker_config(folder: Path) -> LinkerConfig:
    path = folder / "linker.toml"
    table = _Table(path, "", read_toml(path))
    verdict, risk, level, subject, corpus, recovery, lengths = (
        table.table(key) for key in ("verdict", "risk", "level", "subject", "corpus", "recovery", "mask_length"))
    model = level.table("model")
    calibration = risk.table("calibration")
    config = LinkerConfig(
        reidentified_confidence=verdict.number("reidentified_confidence", 0.0, 1.0),
        anonymity_factor=verdict.number("anonymity_factor", 1.0, 1e9),
        calibration=(calibration.number("slope", 0.0, 100.0), calibration.number("intercept", -100.0, 100.0)),
        prefecture_cues=level.patterns("prefecture_cues"),
        county_cues=level.patterns("county_cues"),
        level_model=tuple(model.number(name, -1000.0, 1000.0) for name in LEVEL_FEATURES),
        subject_before=subject.pattern("before", None, may_match_empty=False),
        subject_after=subject.pattern("after", None, may_match_empty=False),
        subject_ratio=subject.positive("ratio"),
        outside_discount=corpus.number("outside_discount", 0.0, 1000.0),
        near_duplicate_threshold=corpus.number("near_duplicate_threshold", 0.0, 1.0),
        anchor_chars=recovery.integer("anchor_chars", 1, 100),
        year_sections=recovery.patterns("year_sections", ()),
        year_section_confidence=recovery.number("year_section_confidence", 0.0, 1.0, 0.8),
        copy_confidence=recovery.number("copy_confidence", 0.0, 1.0),
        same_text_confidence=recovery.number("same_text_confidence", 0.0, 1.0),
        leak_confidence=recovery.number("leak_confidence", 0.0, 1.0),
        mask_length_min_slots=lengths.integer("min_slots", 1, 1000),
        mask_length_max_glyphs=lengths.integer("max_glyphs", 1, 100),
        mask_length_mismatch_ratio=lengths.number("mismatch_ratio", 1e-6, 1.0),
    )
    for index, pattern in enumerate(config.year_sections):
        if "year" not in pattern.groupindex:
            raise RulesError(f"{path}: [recovery] year_sections[{index}]: needs a named group 'year'")
    for part in (verdict, calibration, risk, model, level, subject, corpus, recovery, lengths, table):
        part.done()
    return config


def rules_digest(folder: Path) -> str:
    """The digest of every file of a rules folder (names and bytes, subfolders included): the
    rules' part of the map cache's key (auditor.mapcache)."""
    digest = hashlib.blake2b(digest_size=20)
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode("utf-8", "surrogateescape") + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def load_rules(folder: str | os.PathLike | None = None) -> Rules:
    """Every rule file of ``folder`` (default: the shipped rules) read and validated, once per
    process. No argument, None and "" are one call: the shipped rules as one object, so that
    what is built for them (the process's analyzer, its clue finder and memos) is built once
    (``load_rules()`` and ``load_rules(None)`` are two keys to a cache of arguments)."""
    return _load_rules(folder or None)


@lru_cache(maxsize=8)
def _load_rules(folder: str | os.PathLike | None) -> Rules:
    path = Path(folder) if folder else default_rules_dir()
    if not path.is_dir():
        raise RulesError(f"rules folder not found: {path}")
    try:
        digest = rules_digest(path)
    except OSError:  # a file the loaders will refuse, with a message
        digest = ""
    return Rules(
        path, load_mask_rules(path), load_slot_rules(path), load_clue_rules(path), load_abbreviations(path),
        load_landmarks(path), load_linker_config(path), load_code_patterns(path), load_geography(path),
        load_landmarks(path, "zones.tsv", ZONE_KINDS), load_landmarks(path, "old_names.tsv", OLD_NAME_KINDS),
        digest,
    )

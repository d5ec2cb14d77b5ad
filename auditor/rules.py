"""Loading the rule files in ``rules/``: rules are data, not code.

The default rules ship inside the package (``auditor/default_rules`` in an installed
copy, the top-level ``rules/`` folder in a checkout); ``--rules DIR`` or the
``AUDITOR_RULES`` environment variable points at a user's own copy.
"""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .errors import RulesError

_CHECKOUT_RULES = Path(__file__).resolve().parent.parent / "rules"
_PACKAGED_RULES = Path(__file__).resolve().parent / "default_rules"


def default_rules_dir() -> Path:
    env = os.environ.get("AUDITOR_RULES")
    if env:
        return Path(env)
    # A checkout's rules/ wins over the packaged copy so that edits show at once.
    for candidate in (_CHECKOUT_RULES, _PACKAGED_RULES):
        if (candidate / "masks.toml").is_file():
            return candidate
    raise FileNotFoundError("auditor: no rules folder found; pass --rules DIR or set AUDITOR_RULES")


@dataclass(frozen=True)
class NamedPattern:
    name: str
    regex: re.Pattern[str]
    requires: str = ""  # the pattern cannot match a text holding none of these characters

    def may_match(self, text: str) -> bool:
        return not self.requires or any(ch in text for ch in self.requires)


def _compile(path: Path, entry: dict, key: str = "pattern") -> re.Pattern[str] | None:
    source = entry.get(key)
    if source is None:
        return None
    try:
        return re.compile(source)
    except re.error as exc:
        raise RulesError(f"{path}: entry {entry.get('name', '?')!r}: bad {key} regex: {exc}") from exc


def read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as exc:
        raise RulesError(f"rule file missing: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{path}: {exc}") from exc


def read_list(path: Path) -> list[str]:
    """A one-entry-per-line list; '#' starts a comment."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError as exc:
        raise RulesError(f"rule file missing: {path}") from exc
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def read_table(path: Path) -> list[list[str]]:
    """A tab-separated table with '#' comment lines and no header."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError as exc:
        raise RulesError(f"rule file missing: {path}") from exc
    return [line.split("\t") for line in lines if line.strip() and not line.lstrip().startswith("#")]


@dataclass(frozen=True)
class MaskRules:
    glyphs: tuple[NamedPattern, ...]
    exceptions: tuple[NamedPattern, ...]


@dataclass(frozen=True)
class SlotRule:
    name: str
    slot_type: str
    level: str
    before: re.Pattern[str] | None
    after: re.Pattern[str] | None
    takes_unit: bool
    mask: re.Pattern[str] | None = None  # what the mask itself must match


@dataclass(frozen=True)
class SlotRules:
    context_chars: int
    rules: tuple[SlotRule, ...]
    units: tuple[str, ...]  # longest first


@dataclass(frozen=True)
class Rules:
    folder: Path
    masks: MaskRules
    slots: SlotRules


def load_mask_rules(folder: Path) -> MaskRules:
    path = folder / "masks.toml"
    data = read_toml(path)
    glyphs = tuple(NamedPattern(g["name"], _compile(path, g), g.get("requires", "")) for g in data.get("glyph", []))
    if not glyphs:
        raise RulesError(f"{path}: no [[glyph]] entries")
    exceptions = tuple(NamedPattern(e["name"], _compile(path, e), e.get("requires", "")) for e in data.get("exception", []))
    return MaskRules(glyphs, exceptions)


_SLOT_TYPES = {"number", "ordinal", "year", "code", "place", "unknown"}
_PLACE_LEVELS = {"province", "prefecture", "county", "unknown", ""}


def load_slot_rules(folder: Path) -> SlotRules:
    path = folder / "slots.toml"
    data = read_toml(path)
    rules = []
    for entry in data.get("rule", []):
        slot_type = entry.get("type", "")
        level = entry.get("level", "")
        if slot_type not in _SLOT_TYPES:
            raise RulesError(f"{path}: rule {entry.get('name')!r}: unknown type {slot_type!r}")
        if level not in _PLACE_LEVELS:
            raise RulesError(f"{path}: rule {entry.get('name')!r}: unknown level {level!r}")
        rules.append(
            SlotRule(
                name=entry["name"],
                slot_type=slot_type,
                level=level or ("unknown" if slot_type == "place" else ""),
                before=_compile(path, entry, "before"),
                after=_compile(path, entry, "after"),
                takes_unit=bool(entry.get("unit", False)),
                mask=_compile(path, entry, "mask"),
            )
        )
    units = tuple(sorted(set(read_list(folder / "units.txt")), key=len, reverse=True))
    return SlotRules(int(data.get("context_chars", 12)), tuple(rules), units)


@lru_cache(maxsize=8)
def load_rules(folder: str | os.PathLike | None = None) -> Rules:
    path = Path(folder) if folder else default_rules_dir()
    if not path.is_dir():
        raise RulesError(f"rules folder not found: {path}")
    return Rules(path, load_mask_rules(path), load_slot_rules(path))

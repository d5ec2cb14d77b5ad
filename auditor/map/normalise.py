"""A normalised view of a document for matching clues, with a map back to the original.

A name hides from a literal matcher behind many forms that a reader sees
through at once: traditional characters (崞陽), full-width forms (＂崞阳＂),
Kangxi radicals and compatibility ideographs (⻄, ⻓), invisible characters
(原\\u200b平, soft hyphens, bidi controls), spaces or a hard wrap between the
characters of a name (崞 阳 古 城), HTML entities and inline tags in .html
(崞&#38451;古城, 崞<b>阳</b>古城), Markdown emphasis in .md (崞**阳**古城).

:class:`Normaliser` rewrites these away in a few passes, each keeping, for every
character it outputs, the span of original text it stands for. Clues are
matched on :attr:`NormalisedText.text` and reported at their original offsets
(:meth:`NormalisedText.original_span`). Characters inside a mask (a slot) are
never rewritten nor dropped, so a slot still blocks every clue that would
span it. A text with nothing to rewrite costs one regex search.
"""
from __future__ import annotations

import html
import re
import unicodedata
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

import opencc

_CJK = "\u3400-\u4dbf\u4e00-\u9fff"
# Unicode's EquivalentUnifiedIdeograph.txt for the CJK radicals supplement
# forms that read as whole characters (NFKC leaves them alone; the Kangxi
# radicals block ⼭ and the compatibility ideographs have NFKC mappings).
_RADICAL_EQUIVALENTS = {
    "\u2e81": "厂", "\u2e93": "幺", "\u2e9d": "月", "\u2e9f": "母", "\u2ea0": "民", "\u2ec4": "西",
    "\u2ec5": "见", "\u2ec6": "角", "\u2ec8": "讠", "\u2ec9": "贝", "\u2ecb": "车", "\u2ed1": "長",
    "\u2ed3": "长", "\u2ed4": "门", "\u2ed7": "雨", "\u2ed8": "青", "\u2ed9": "韦", "\u2eda": "页",
    "\u2edb": "风", "\u2edc": "飞", "\u2edd": "食", "\u2ee2": "马", "\u2ee3": "骨", "\u2ee4": "鬼",
    "\u2ee5": "鱼", "\u2ee6": "鸟", "\u2ee7": "卤", "\u2ee8": "麦", "\u2ee9": "黄", "\u2eec": "齐",
    "\u2eee": "齿", "\u2ef0": "龙", "\u2ef3": "龟",
}
# Full-width forms, but not the punctuation that is the ordinary form in
# Chinese text (，：；！？（）): rewriting those would change what every
# recognizer sees in every document, and hide nothing.
_ORDINARY_PUNCTUATION = "，：；！？（）"
_WIDTH_FORMS = "".join(
    chr(c) for c in range(0xFF01, 0xFF5F) if chr(c) not in _ORDINARY_PUNCTUATION
) + "\uffe0-\uffee"
_COMPATIBILITY = f"{_WIDTH_FORMS}\u2f00-\u2fd5\uf900-\ufaff\U0002f800-\U0002fa1f{''.join(_RADICAL_EQUIVALENTS)}"
_FORMAT_CHARACTERS = "".join(
    chr(c) for c in range(0x10000) if unicodedata.category(chr(c)) == "Cf"
) + "\U0001d173-\U0001d17a\U000e0001-\U000e007f"  # beyond the BMP: musical and tag format characters
_BLANK = " \u3000\t"
_BREAKS = _BLANK + "\n"
# Spaces between two characters of a run (崞 阳 古 城): a line break is not
# among them (a blank line, or a line break before punctuation, stays).
_SPACES_IN_RUN = re.compile(f"(?<=[{_CJK}])[{_BLANK}]+(?=[{_CJK}])")
# A line break that an indent follows begins a paragraph: no wrap.
_WRAP_IN_RUN = re.compile(f"(?<=[{_CJK}])[{_BLANK}]*\n(?=[{_CJK}])")
_COMPATIBLE = re.compile(f"[{_COMPATIBILITY}]")
_FORMAT = re.compile(f"[{_FORMAT_CHARACTERS}]+")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# Inline (phrasing) elements only: a block tag (<p>, <td>, <br>) ends a phrase,
# and its letters already stop a name from running across it.
_INLINE_TAG = re.compile(
    r"</?(?:a|abbr|b|bdi|bdo|big|cite|code|del|dfn|em|font|i|ins|kbd|mark|q|s|samp|small|span|strike"
    r"|strong|sub|sup|tt|u|var|wbr)(?:\s[^<>]*)?/?>",
    re.IGNORECASE,
)
_EMPHASIS_IN_RUN = re.compile(f"(?<=[{_CJK}])(?:\\*{{1,3}}|_{{1,3}}|~~)(?=[{_CJK}])")
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
MARKDOWN_SUFFIXES = (".md", ".markdown")


@dataclass(frozen=True, slots=True)
class NormalisedText:
    """The text clues are matched on, and where each of its characters came from.

    ``starts[i]``/``ends[i]``: the span of original text the i-th character
    stands for (one character, or an entity, or a character with the
    invisible ones dropped around it). Both are None when nothing was
    rewritten: the view is the original text."""

    text: str
    starts: array | None = None
    ends: array | None = None

    @property
    def rewritten(self) -> bool:
        return self.starts is not None

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of the normalised span ``start:end`` (end > start)."""
        if self.starts is None:
            return start, end
        return self.starts[start], self.ends[end - 1]

    def view_span(self, start: int, end: int) -> tuple[int, int]:
        """The normalised span that the original span ``start:end`` became."""
        if self.starts is None:
            return start, end
        return bisect_left(self.starts, start), bisect_left(self.starts, end)


class _View:
    """A text being rewritten: its characters' original spans, and which stand in a mask."""

    __slots__ = ("text", "starts", "ends", "masked")

    def __init__(self, text: str, masked_spans: Iterable[tuple[int, int]]):
        self.text = text
        self.starts = _offsets(0, len(text))
        self.ends = _offsets(1, len(text) + 1)
        self.masked = bytearray(len(text))
        for start, end in masked_spans:
            self.masked[start:end] = b"\x01" * (end - start)

    def rewrite(self, pattern: re.Pattern, replace: Callable[[re.Match], str | None], over_masks: bool = False) -> None:
        """Replaces each match outside a mask (or any, ``over_masks``) by ``replace(match)`` (None: leave it).
        A replacement of the match's length maps character by character; any
        other stands, each character of it, for the whole match."""
        text, starts, ends, masked = self.text, self.starts, self.ends, self.masked
        pieces, new_starts, new_ends, new_masked = [], array(OFFSET_TYPE), array(OFFSET_TYPE), bytearray()
        done = 0
        for match in pattern.finditer(text):
            start, end = match.span()
            if not over_masks and masked.find(1, start, end) >= 0:
                continue
            replacement = replace(match)
            if replacement is None:
                continue
            pieces.append(text[done:start])
            new_starts.extend(starts[done:start])
            new_ends.extend(ends[done:start])
            new_masked.extend(masked[done:start])
            pieces.append(replacement)
            if len(replacement) == end - start:
                new_starts.extend(starts[start:end])
                new_ends.extend(ends[start:end])
            else:
                new_starts.extend([starts[start]] * len(replacement))
                new_ends.extend([ends[end - 1]] * len(replacement))
            new_masked.extend(bytes(len(replacement)))
            done = end
        if not pieces:
            return
        pieces.append(text[done:])
        new_starts.extend(starts[done:])
        new_ends.extend(ends[done:])
        new_masked.extend(masked[done:])
        self.text, self.starts, self.ends, self.masked = "".join(pieces), new_starts, new_ends, new_masked

    def replace_characters(self, converted: str, keep: frozenset[str]) -> None:
        """Takes ``converted``, of the same length, character by character; masks
        and the characters in ``keep`` stay as written."""
        if keep or self.masked.find(1) >= 0:
            text, masked = self.text, self.masked
            # Only the changed characters are looked at, and only those to keep are spliced
            # back: a list of every character would cost some 60 bytes a character.
            restore = [i for i, (o, c) in enumerate(zip(text, converted)) if o != c and (masked[i] or o in keep)]
            if restore:
                pieces, done = [], 0
                for i in restore:
                    pieces += (converted[done:i], text[i])
                    done = i + 1
                pieces.append(converted[done:])
                converted = "".join(pieces)
        self.text = converted


# Offsets as 4-byte unsigned integers: a document is far shorter than 4 G characters.
OFFSET_TYPE = "I"
_COUNTING = array(OFFSET_TYPE)
COUNTING_CACHE_SIZE = 1 << 20  # offsets kept ready (4 MB): documents are rarely longer


def _offsets(start: int, stop: int) -> array:
    """``array(OFFSET_TYPE, range(start, stop))``, a copy of a slice of kept offsets where
    it fits (a copy of memory, where building from a range costs 45 ns an offset)."""
    global _COUNTING
    if stop > COUNTING_CACHE_SIZE:
        return array(OFFSET_TYPE, range(start, stop))
    if stop > len(_COUNTING):
        _COUNTING = array(OFFSET_TYPE, range(min(COUNTING_CACHE_SIZE, max(stop, 2 * len(_COUNTING)))))
    return _COUNTING[start:stop]


def _without_tag(match: re.Match) -> str:
    return ""


def _entity(match: re.Match) -> str | None:
    decoded = html.unescape(match.group())
    return None if decoded == match.group() else decoded


def _compatible(match: re.Match) -> str:
    char = match.group()
    return _RADICAL_EQUIVALENTS.get(char) or unicodedata.normalize("NFKC", char)


def _wrap(match: re.Match) -> str | None:
    # A hard wrap fills every line of a paragraph but its last: a line shorter
    # than the next (a heading over its paragraph) ends where it ends.
    text = match.string
    line_start = text.rfind("\n", 0, match.start()) + 1
    next_end = text.find("\n", match.end())
    next_end = len(text) if next_end < 0 else next_end
    return "" if match.start() - line_start >= next_end - match.end() else None


class Normaliser:
    """Builds the :class:`NormalisedText` of a document, one per document.

    ``keep``: characters a conversion to simplified script must leave as they
    are (乾 of 乾县, 濛 of 濛江乡: real simplified names that OpenCC would
    rewrite as 干县, 蒙江乡)."""

    def __init__(self, keep: Iterable[str] = ()):
        self.converter = opencc.OpenCC("t2s")
        keep = frozenset(keep)
        self.to_simplified = {
            c: s for c, s in _single_characters().items() if c not in keep
        }
        traditional = re.escape("".join(sorted(self.to_simplified)))
        self._traditional = re.compile(f"[{traditional}]")
        self._keep = keep
        # The one check a text with nothing to rewrite costs (per kind of document):
        # one character to rewrite, or a CJK character before a space or a line break.
        anywhere = f"[{traditional}{_COMPATIBILITY}{_FORMAT_CHARACTERS}]|[{_CJK}][{_BREAKS}]"
        self._needs = {
            "": re.compile(anywhere),
            "html": re.compile(f"{anywhere}|[&<]"),
            "markdown": re.compile(f"{anywhere}|[{_CJK}][*_~]"),
        }

    def normalise(self, text: str, suffix: str = "", masked: Iterable[tuple[int, int]] = ()) -> NormalisedText:
        """The view of ``text`` (a document with file suffix ``suffix``) that clues
        are matched on; ``masked``: the original spans of its masks, left as written."""
        kind = "html" if suffix in HTML_SUFFIXES else "markdown" if suffix in MARKDOWN_SUFFIXES else ""
        if not self._worth_a_look(text, kind):
            return NormalisedText(text)
        view = _View(text, masked)
        if kind == "html":
            # A "mask" in a tag's attributes (class="x") stands in no sentence.
            view.rewrite(_INLINE_TAG, _without_tag, over_masks=True)
            view.rewrite(_ENTITY, _entity)
        view.rewrite(_FORMAT, _without_tag)
        view.rewrite(_COMPATIBLE, _compatible)
        self._simplify(view)
        if kind == "markdown":
            view.rewrite(_EMPHASIS_IN_RUN, _without_tag)
        view.rewrite(_SPACES_IN_RUN, _without_tag)
        view.rewrite(_WRAP_IN_RUN, _wrap)
        if view.text == text:
            return NormalisedText(text)
        return NormalisedText(view.text, view.starts, view.ends)

    def _worth_a_look(self, text: str, kind: str) -> bool:
        # Most documents have a CJK character before a space or a line break
        # somewhere (a heading): only a hit that is more than that needs the passes.
        for match in self._needs[kind].finditer(text):
            found = match.group()
            if len(found) == 1 or found[1] not in _BREAKS:
                return True
            at = match.start() + 1
            if _SPACES_IN_RUN.match(text, at):
                return True
            wrap = _WRAP_IN_RUN.match(text, at)
            if wrap is not None and _wrap(wrap) is not None:
                return True
        return False

    def _simplify(self, view: _View) -> None:
        if not self._traditional.search(view.text):
            return
        text = view.text
        converted = self.converter.convert(text)
        if len(converted) != len(text):
            # A phrase conversion changed the length somewhere: per line, and
            # character by character in a line where it did.
            converted = "\n".join(self._simplify_line(line) for line in text.split("\n"))
        view.replace_characters(converted, self._keep)

    def _simplify_line(self, line: str) -> str:
        converted = self.converter.convert(line)
        if len(converted) == len(line):
            return converted
        return "".join(self.to_simplified.get(c, c) for c in line)


@lru_cache(maxsize=1)
def _single_characters() -> dict[str, str]:
    """Every CJK character t2s turns into another single character, and into which.
    One conversion of all of them, one per line (no phrase spans a line break)."""
    converter = opencc.OpenCC("t2s")
    chars = [chr(c) for c in range(0x3400, 0x4DC0)] + [chr(c) for c in range(0x4E00, 0xA000)]
    converted = converter.convert("\n".join(chars)).split("\n")
    return {c: s for c, s in zip(chars, converted) if len(s) == 1 and s != c}

"""HTML: the text a browser shows, the page's title and its meta tags.

Parsed with the standard library's HTML tokenizer (scripts, styles and
markup out, character references decoded), keeping where each character of
the extracted text stands in the markup, so that ``auditor fix`` masks the
markup itself (:func:`apply_edits`) and leaves every tag as it was.
"""
from __future__ import annotations

import html
import re
from bisect import bisect_right
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Sequence

from . import Extracted, FileFinding, Part

# Never shown: their content is code or data, not text.
_SKIPPED = frozenset({"script", "style", "template", "head", "object", "iframe", "svg", "math", "select"})
# Elements that begin and end a line of text.
_BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details", "dialog", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "html", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody",
    "td", "tfoot", "th", "thead", "title", "tr", "ul", "br", "option", "legend",
})
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
                   "track", "wbr"})
# The meta tags a page publishes about itself (search results and link previews show them).
META_NAMES = ("description", "keywords", "author", "subject", "copyright", "og:title", "og:description",
              "og:site_name", "twitter:title", "twitter:description", "dc.title", "dc.creator", "dc.subject")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_SPACE = re.compile(r"[ \t\n\r\f]+")
_ATTRIBUTE = re.compile(r"""([^\s"'>/=]+)\s*=\s*("([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""")


@dataclass(frozen=True, slots=True)
class _Segment:
    """Extracted characters [start, end) and the markup [source_start, source_end) they come from.

    ``exact``: one character of each for one of the other (text as written);
    otherwise the segment is a character reference or a run of white space
    (one character for several), or an attribute value (``value``, unescaped)."""

    start: int
    end: int
    source_start: int
    source_end: int
    exact: bool
    value: str = ""


@dataclass(frozen=True)
class ParsedPage:
    extracted: Extracted
    segments: tuple[_Segment, ...]
    hidden: tuple[tuple[int, int], ...] = ()  # where the text of elements not displayed stands in the markup


class _Extractor(HTMLParser):
    def __init__(self, markup: str):
        super().__init__(convert_charrefs=False)
        self.markup = markup
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", markup)]
        self.out: list[str] = []
        self.length = 0
        self.segments: list[_Segment] = []
        self.parts: list[Part] = []
        self.findings: list[FileFinding] = []
        self.stack: list[tuple[str, bool, bool]] = []  # (tag, skipped, hidden)
        self.in_title = False
        self.title_seen = False
        self.pre = 0
        self.paragraphs = 0
        self.line_open = False  # the current line has text
        self.hidden_text: list[str] = []
        self.hidden_spans: list[tuple[int, int]] = []

    # -- positions ---------------------------------------------------------

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    # -- output ------------------------------------------------------------

    def _emit(self, text: str, source_start: int, source_end: int, exact: bool, value: str = "") -> None:
        self.out.append(text)
        self.segments.append(_Segment(self.length, self.length + len(text), source_start, source_end, exact, value))
        self.length += len(text)

    def _begin_line(self, kind: str, number: int = 0, name: str = "") -> None:
        self._end_line()
        self.parts.append(Part(self.length, kind, number, name=name))
        self.line_open = True

    def _end_line(self) -> None:
        if not self.line_open:
            return
        while self.out and self.out[-1] == " " and not self.segments[-1].exact:  # trailing collapsed space
            self.out.pop()
            self.segments.pop()
            self.length -= 1
        if self.parts and self.parts[-1].start == self.length:  # nothing on the line
            self.parts.pop()
        else:
            self._emit("\n", 0, 0, False)
        self.line_open = False

    def _at_line_start(self) -> bool:
        return not self.parts or self.parts[-1].start == self.length

    def _text(self, text: str, source_start: int, exact: bool) -> None:
        """Adds text standing at ``source_start`` in the markup: a data chunk, or one decoded reference."""
        if self._hidden():
            self.hidden_text.append(text)
            length = len(text) if exact else self._reference_length(source_start)
            self.hidden_spans.append((source_start, source_start + length))
            return
        if self._skipped() and not self.in_title:
            return
        if not self.line_open:
            if not text.strip() and not self.pre:
                return
            self.paragraphs += 1
            self._begin_line("paragraph", self.paragraphs)
        if not exact:  # a character reference: one character (or two) for the reference
            self._emit(text, source_start, source_start + self._reference_length(source_start), False)
            return
        if self.pre:
            self._emit(text, source_start, source_start + len(text), True)
            return
        position = 0
        for match in _SPACE.finditer(text):
            if match.start() > position:
                self._emit(text[position:match.start()], source_start + position, source_start + match.start(), True)
            if not self._at_line_start() and self.out[-1] not in (" ", "\n"):
                self._emit(" ", source_start + match.start(), source_start + match.end(), False)
            position = match.end()
        if position < len(text):
            self._emit(text[position:], source_start + position, source_start + len(text), True)

    def _reference_length(self, at: int) -> int:
        match = re.compile(r"&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);?").match(self.markup, at)
        return match.end() - at if match else 1

    def _skipped(self) -> bool:
        return any(skipped for _, skipped, _ in self.stack)

    def _hidden(self) -> bool:
        return any(hidden for _, _, hidden in self.stack)

    # -- the tokenizer's events ----------------------------------------------

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "meta":
            self._meta(attributes)
            return
        hidden = "hidden" in attributes or bool(_HIDDEN_STYLE.search(attributes.get("style") or ""))
        if tag in _BLOCKS:
            self._end_line()
        if tag == "title" and not self.title_seen:
            self.in_title = True
            self._begin_line("title")
        if tag == "pre":
            self.pre += 1
        if tag not in _VOID:
            self.stack.append((tag, tag in _SKIPPED, hidden))

    def handle_startendtag(self, tag, attrs):
        if tag == "meta":
            self._meta(dict(attrs))
        elif tag in _BLOCKS:
            self._end_line()

    def handle_endtag(self, tag):
        if tag == "title" and self.in_title:
            self.in_title = False
            self.title_seen = True
            self._end_line()
        if not any(open_tag == tag for open_tag, _, _ in self.stack):
            if tag in _BLOCKS:
                self._end_line()
            return
        while self.stack:
            open_tag, _, hidden = self.stack.pop()
            if open_tag == "pre":
                self.pre = max(0, self.pre - 1)
            if hidden and not self._hidden():
                self._flush_hidden()
            if open_tag == tag:
                break
        if tag in _BLOCKS:
            self._end_line()

    def handle_data(self, data):
        self._text(data, self._offset(), True)

    def handle_entityref(self, name):
        self._text(html.unescape(f"&{name};"), self._offset(), False)

    def handle_charref(self, name):
        self._text(html.unescape(f"&#{name};"), self._offset(), False)

    def _meta(self, attributes: dict) -> None:
        name = (attributes.get("name") or attributes.get("property") or "").strip().lower()
        content = attributes.get("content")
        if name not in META_NAMES or not content or not content.strip():
            return
        raw = self._raw_attribute("content")
        if raw is None:
            return
        value_start, value_end, raw_value = raw
        self._begin_line("meta", name=name)
        if raw_value == content:
            self._emit(content, value_start, value_end, True)
        else:
            self._emit(content, value_start, value_end, False, value=content)
        self._end_line()

    def _raw_attribute(self, wanted: str) -> tuple[int, int, str] | None:
        """Where the value of attribute ``wanted`` of the current start tag stands in the markup."""
        tag_text = self.get_starttag_text() or ""
        tag_start = self._offset()
        for match in _ATTRIBUTE.finditer(tag_text):
            if match.group(1).lower() == wanted:
                group = next(g for g in (3, 4, 5) if match.group(g) is not None)
                return tag_start + match.start(group), tag_start + match.end(group), match.group(group)
        return None

    def _flush_hidden(self) -> None:
        text = _SPACE.sub(" ", "".join(self.hidden_text)).strip()
        self.hidden_text = []
        if text:
            where = f"paragraph {self.paragraphs + (0 if self.line_open else 1)}"
            self.findings.append(FileFinding("hidden-text", "invisible-text", where, text))

    def result(self) -> ParsedPage:
        self.close()
        if self.hidden_text:
            self._flush_hidden()
        self._end_line()
        text = "".join(self.out)
        if text.endswith("\n"):
            text = text[:-1]
        segments = tuple(s for s in self.segments if s.start < len(text))
        return ParsedPage(Extracted(text, tuple(self.parts), tuple(self.findings)), segments,
                          tuple(self.hidden_spans))


def parse(markup: str) -> ParsedPage:
    """The page's text with its parts and findings, and where each piece stands in ``markup``."""
    extractor = _Extractor(markup)
    extractor.feed(markup)
    return extractor.result()


def read_markup(markup: str) -> Extracted:
    return parse(markup).extracted


def clean(markup: str) -> str:
    """``markup`` without the text of the elements it does not display (tags kept): its
    extracted text is the same, and it has no ``hidden-text`` finding."""
    pieces, position = [], 0
    for start, end in parse(markup).hidden:
        pieces.append(markup[position:start])
        position = end
    pieces.append(markup[position:])
    return "".join(pieces)


def apply_edits(markup: str, edits: Sequence[tuple[int, int, str]]) -> str:
    """``markup`` with each edit (start, end, replacement: offsets into its extracted text) made in the text
    it comes from, tags kept: the replacement goes where the span's first character was written."""
    segments = parse(markup).segments
    starts = [s.start for s in segments]
    cuts: dict[int, list[tuple[int, int, str]]] = {}  # segment index -> (low, high, replacement) in the text
    for start, end, replacement in sorted(edits):
        first = True
        index = max(0, bisect_right(starts, start) - 1)
        while index < len(segments) and segments[index].start < end:
            segment = segments[index]
            low, high = max(start, segment.start), min(end, segment.end)
            if low < high:
                cuts.setdefault(index, []).append((low, high, replacement if first else ""))
                first = False
            index += 1
        if first:
            raise ValueError(f"edit {start}-{end} is outside the page's text")
    changes = sorted(change for index, cut in cuts.items() for change in _changes(segments[index], cut))
    pieces, position = [], 0
    for change_start, change_end, put in changes:
        pieces.append(markup[position:change_start])
        pieces.append(put)
        position = change_end
    pieces.append(markup[position:])
    return "".join(pieces)


def _changes(segment: _Segment, cuts: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """The markup changes that make the cuts (text offsets) in one segment."""
    if segment.value:  # an attribute value with references: rewritten whole, escaped
        value, shift = segment.value, -segment.start
        for low, high, put in sorted(cuts, reverse=True):
            value = value[: low + shift] + put + value[high + shift :]
        return [(segment.source_start, segment.source_end, html.escape(value, quote=True))]
    if segment.exact:
        offset = segment.source_start - segment.start
        return [(low + offset, high + offset, html.escape(put, quote=False)) for low, high, put in cuts]
    # A character reference or a collapsed run of white space: one character for the whole of it.
    return [(segment.source_start, segment.source_end, html.escape("".join(put for _, _, put in cuts), quote=False))]

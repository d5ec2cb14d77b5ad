"""The HTML the views carry ready-made: the marked-up text of a document and the rows of
its long tables (a template loop with a macro per cell took most of a page's time),
escaped here."""
from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from itertools import islice

from markupsafe import escape, Markup

from ...i18n import _
from ...map.recognizers.base import NameTable
from ...records import Clue, Slot
from ...memo import Memo
from .model import (
    ClueView, DocumentRow, SideBySide, SlotView, clue_kind_name, file_status_name, level_name, slot_type_name,
)


def _plain(value: str) -> bool:
    return not ("&" in value or "<" in value or ">" in value or '"' in value or "'" in value)

# The text and the long tables of a page go to it in pieces of this many
# marks or rows: one string for the text of a 100 MB file, with the page
# around it, was several times the file's size at once.
PIECE_PARTS = 4096


def escaped(value: str) -> str:
    """escape() for the loops over every slot and clue: most strings need no
    escaping, and asking is several times cheaper than making a Markup."""
    if "&" in value or "<" in value or ">" in value or '"' in value or "'" in value:
        return str(escape(value))
    return value


def _in_pieces(parts_of):
    """Makes a generator of marked-up strings yield them joined, PIECE_PARTS
    at a time, as Markup: the page is written as it is made (see _write_page)
    and never holds a whole text or table, yet is joined in C."""
    @functools.wraps(parts_of)
    def pieces(*args, **kwargs) -> Iterator[Markup]:
        parts = parts_of(*args, **kwargs)
        while chunk := list(islice(parts, PIECE_PARTS)):
            yield Markup("".join(chunk))
    return pieces


@_in_pieces
def text_html(text: str, slots: list[tuple[Slot, SlotView]], clues: list[tuple[Clue, ClueView]]) -> Iterator[str]:
    """The document text with its slots and clues marked up: plain runs, slots
    and clues, whose text read in order is the document's. The largest part
    of a page, built here rather than in a template loop, which is several
    times slower on a long text. Every piece of text and attribute is escaped.
    Yields Markup pieces (see _in_pieces), to be read once."""
    spans = sorted([(s.start, s.end, 0, i) for i, (s, _) in enumerate(slots)]
                   + [(c.start, c.end, 1, i) for i, (c, _) in enumerate(clues)])
    # Most texts have nothing to escape, and then no piece of them has either.
    cut = str if _plain(text) else escaped
    # The opening of a mark up to its id depends on a few values only: made
    # once per combination rather than once per slot or clue.
    openings: dict[tuple, str] = {}
    position = 0
    for start, end, is_clue, index in spans:
        if start < position:  # overlapping spans (slots on slots) cannot both be drawn
            continue
        if start > position:
            yield cut(text[position:start])
        run = cut(text[start:end])
        if is_clue:
            v = clues[index][1]
            key = (v.kind, v.top, v.elsewhere)
            opening = openings.get(key)
            if opening is None:
                kind = escaped(v.kind)
                classes = f"clue clue-{kind}" + (" top-clue" if v.top else "") + (" elsewhere" if v.elsewhere else "")
                opening = openings[key] = f'<span class="{classes}" data-clue="{kind}" tabindex="0" id="'
            yield f'{opening}{escaped(v.anchor)}" title="{escaped(v.tooltip)}">{run}</span>'
        else:
            v = slots[index][1]
            key = (v.slot_type, v.type_label, v.leak, bool(v.revealed_elsewhere))
            opening = openings.get(key)
            if opening is None:
                slot_type = escaped(v.slot_type)
                classes = (f"slot slot-{slot_type}" + (" leak" if v.leak else "")
                           + (" revealed-elsewhere" if v.revealed_elsewhere else ""))
                opening = openings[key] = (f'<mark class="{classes}" data-type="{slot_type}" data-leak="{1 if v.leak else 0}" '
                                           f'data-label="{escaped(v.type_label)}" tabindex="0" id="')
            yield f'{opening}{escaped(v.anchor)}" data-slot-id="{escaped(v.slot_id)}" title="{escaped(v.tooltip)}">{run}</mark>'
        position = end
    if position < len(text):
        yield cut(text[position:])


def doc_name_html(doc: str) -> str:
    """A document name wherever the report shows one: isolated, so that
    direction controls in it (U+202E…) cannot reorder the text around it."""
    # A line may break after a folder's "/", so a name never breaks mid-part where it fits.
    return f'<bdi class="name">{escaped(doc).replace("/", "/<wbr>")}</bdi>'


def isolated(doc: str) -> str:
    """A document name in plain text (a title, a tooltip): U+2068…U+2069 are
    what <bdi> is to markup."""
    return f"\u2068{doc}\u2069"


def type_tag_html(slot_type: str) -> str:
    """The type of a slot as a tag; its one-letter label is drawn by the CSS."""
    return f'<span class="type-tag tag-{escaped(slot_type)}">{escaped(slot_type_name(slot_type))}</span>'


def sortable_th(label: str, kind: str = "text", cls: str = "") -> Markup:
    """A column header that sorts its table (see report.js)."""
    classes = f' class="{escaped(cls)}"' if cls else ""
    return Markup(f'<th scope="col" data-type="{escaped(kind)}"{classes}><button type="button" class="sort">{escaped(label)}'
                  '<span class="sort-icon" aria-hidden="true"></span></button></th>')


def verdict_badge(row: DocumentRow) -> Markup:
    """A document's verdict, or why it has none. This and the other small
    pieces the templates repeat are functions rather than macros: a macro
    call costs many times more, and some are called per document."""
    kind, label = verdict_badge_parts(row)
    return Markup(f'<span class="badge {escaped(kind)}">{escaped(label)}</span>')


def verdict_badge_parts(row: DocumentRow) -> tuple[str, str]:
    """The class and the words of :func:`verdict_badge` (the overview's script makes the same)."""
    if not row.audited:
        return "badge-problem", file_status_name(row.status)
    if row.verdict:
        return f"badge-{row.verdict}", row.verdict_label
    return "badge-none", _("not linked")


def gate_badge(row: DocumentRow) -> Markup:
    """A document's status at the gate, and the rules that fail it ('' without a policy)."""
    parts = gate_badge_parts(row)
    if parts is None:
        return Markup("")
    kind, label, rules = parts
    return Markup(f'<span class="badge {escaped(kind)}">{escaped(label)}</span>'
                  + (f' <span class="gate-rules-inline">{escaped(rules)}</span>' if rules else ""))


def gate_badge_parts(row: DocumentRow) -> tuple[str, str, str] | None:
    """The class, the words and the failing rules of :func:`gate_badge` (None without a policy)."""
    gate = row.gate
    if gate is None:
        return None
    if gate.failed:
        return "badge-gate-fail", _("FAIL"), ", ".join(gate.failing_rules)
    return f"badge-gate-{'pass' if gate.status == 'pass' else 'note'}", gate.label, ""


def _escape_cache():
    """escaped() for the values that recur from row to row (types, rules, units,
    the evidence of a recovery): each is escaped once per table."""
    cache: dict[str, str] = {}

    def escaped_once(value: str) -> str:
        done = cache.get(value)
        if done is None:
            done = cache[value] = escaped(value)
        return done

    return escaped_once


@_in_pieces
def slot_rows_html(slots: list[SlotView], tails: Memo | None = None) -> Iterator[str]:
    """The slots table's rows, in Markup pieces as text_html. ``tails``, kept
    from page to page, holds the part of a row after its position: copies of
    a text repeat a slot's surroundings, recovery and rule, and the cells are
    then marked up once."""
    h = _escape_cache()
    tails = Memo("report-rows") if tails is None else tails
    leaks = _("leak")
    openings: dict[tuple[str, bool], str] = {}  # the part of a row that depends on type and leak only
    for s in slots:
        opening = openings.get((s.slot_type, s.leak))
        if opening is None:
            slot_type, leak = h(s.slot_type), 1 if s.leak else 0
            flagged = ' class="row-leak"' if leak else ""
            opening = openings[(s.slot_type, s.leak)] = (
                f'<tr data-type="{slot_type}" data-leak="{leak}"{flagged}><td><a href="#'
            )
        key = (s.slot_type, s.leak, s.detail, s.left_context, s.mask, s.right_context, s.recovered, s.evidence,
               s.confidence, s.confidence_value, s.rule)
        tail = tails.get(key)
        if tail is None:
            slot_type, leak = h(s.slot_type), 1 if s.leak else 0
            evidence = f"<div>{h(s.evidence)}</div>" if s.evidence else ""
            leak_cell = f"<strong>{h(leaks)}</strong>" if leak else ""
            tail = (
                f'</td><td><span class="type-tag tag-{slot_type}">{h(slot_type_name(s.slot_type))}</span></td><td>'
                f"{h(s.detail)}</td><td><span>{escaped(s.left_context)}</span>"
                f'<mark class="slot slot-{slot_type}">{h(s.mask)}</mark>'
                f"<span>{escaped(s.right_context)}</span></td><td>{h(s.recovered)}{evidence}</td>"
                f'<td data-sort="{s.confidence_value}">{h(s.confidence)}</td>'
                f'<td data-sort="{leak}">{leak_cell}</td><td>{h(s.rule)}</td></tr>\n'
            )
            tails.put(key, tail)
        yield (f'{opening}{escaped(s.anchor)}">{escaped(s.slot_id)}</a></td>'
               f'<td data-sort="{s.line}.{s.column:06d}">{s.line}:{s.column}{tail}')


@_in_pieces
def clue_rows_html(clues: list[ClueView], tails: Memo | None = None) -> Iterator[str]:
    """The clues table's rows; pieces and ``tails`` as for :func:`slot_rows_html`."""
    tails = Memo("report-rows") if tails is None else tails
    another = _("(another place)")
    another = f" <small>{escaped(another)}</small>"
    for c in clues:
        kind, text = escaped(c.kind), escaped(c.text)
        name = f'<a href="#{escaped(c.anchor)}">{text}</a>' if c.anchor else text
        key = (c.kind, c.level, c.places, c.weight_value, c.weight, c.rule)
        tail = tails.get(key)
        if tail is None:
            tail = (
                f'<td><span class="kind-tag">{escaped(clue_kind_name(c.kind))}</span></td>'
                f"<td>{escaped(level_name(c.level))}</td>"
                f"<td>{escaped(c.places)}</td>"
                f'<td data-sort="{c.weight_value}">{escaped(c.weight)}</td>'
                f"<td>{escaped(c.rule)}</td></tr>\n"
            )
            tails.put(key, tail)
        yield (
            f'<tr data-kind="{kind}">'
            f'<td><span class="clue clue-{kind}{" top-clue" if c.top else ""}">{name}</span>'
            f'{another if c.elsewhere else ""}</td>'
            f"<td>{c.line}</td>{tail}"
        )


def _copy_html(here: bool, doc: str, href: str, root: str) -> str:
    if here:
        return escaped(_("this document"))
    if href:
        return f'<a href="{escaped(root + href)}">{doc_name_html(doc)}</a>'
    return doc_name_html(doc)


def difference_rows_html(differences: list[SideBySide], root: str) -> Markup:
    out = []
    for d in differences:
        slot = f'<a href="#{escaped(d.anchor)}">{escaped(d.slot_id)}</a>' if d.anchor else escaped(d.slot_id)
        kind = f"<br>{type_tag_html(d.slot_type)}" if d.slot_type else ""
        masked_doc = _copy_html(d.here_masked, d.masked_doc, d.masked_href, root)
        revealed_doc = _copy_html(not d.here_masked, d.revealed_doc, d.revealed_href, root)
        out.append(
            f"<tr><td>{slot}{kind}</td>"
            f'<td><div class="diff-doc">{masked_doc}</div><div class="snippet" lang="zh-CN">{escaped(d.masked_before)}'
            f'<span class="masked">{escaped(d.masked)}</span>{escaped(d.masked_after)}</div></td>'
            f'<td><div class="diff-doc">{revealed_doc}</div><div class="snippet" lang="zh-CN">{escaped(d.revealed_before)}'
            f'<span class="revealed">{escaped(d.revealed)}</span>{escaped(d.revealed_after)}</div></td></tr>\n'
        )
    return Markup("".join(out))


class PathIsolator:
    """Document paths put in <bdi> where a line shows them (a name holding U+202E must not turn
    the rest of the line around), the longest where one path begins another. One automaton of a
    report's paths, built once: a pattern of every path compiled for each of the gate's lines
    made the review quadratic in the documents."""

    def __init__(self, paths: Iterable[str] = ()) -> None:
        self._paths = NameTable(sorted((path,) for path in set(paths) if path))

    def __call__(self, line: str) -> Markup:
        """``line`` as markup, each path in it isolated."""
        out, at = [], 0
        for start, end, _ in self._paths.matches(line):
            out.append(escape(line[at:start]))
            out.append(Markup(f"<bdi>{escape(line[start:end])}</bdi>"))
            at = end
        out.append(escape(line[at:]))
        return Markup("").join(out)

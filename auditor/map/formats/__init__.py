"""Readers of document formats: one module per format, one protocol.

A reader turns a file's bytes into an :class:`Extracted`: the text a reader
of the document sees, in reading order (the text every later stage audits,
offsets into it everywhere), the :class:`Part` each stretch of it comes from
(paragraph 12, footnote 3, page 2 line 5), and the :class:`FileFinding` s of
what the file holds besides that text (text under a black box, tracked
deletions, comments, metadata…). A file a reader cannot parse raises
:class:`FormatError`; loading makes it a not-checked document, never a pass.

Text that a redactor covered (black highlighting, a filled box drawn over it)
stands in the extracted text as :data:`COVER_GLYPH`, one per character: the
reader sees a mask there, so the audit sees a slot, and the finding keeps
what is still in the file under it.
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from ...i18n import N_, _

# What a covered character reads as in the extracted text (a mask glyph of rules/masks.toml "block").
COVER_GLYPH = "■"


class FormatError(Exception):
    """The file is not a readable document of its format (truncated, encrypted, not really one)."""

    def __init__(self, message: str, status: str = "unparseable"):
        super().__init__(message)
        self.status = status  # unparseable | encrypted | no-text-layer


@dataclass(frozen=True, slots=True)
class Part:
    """Where the extracted text from ``start`` on comes from (until the next part)."""

    start: int  # offset in the extracted text
    kind: str  # paragraph | header | footer | footnote | endnote | comment | text-box | page | title | meta
    number: int = 0  # 1-based within its kind (paragraph 12, page 2); 0 when there is one
    line: int = 0  # a PDF's line within its page (1-based); 0 otherwise
    name: str = ""  # what a meta part is (description, keywords)

    @property
    def label(self) -> str:
        """``paragraph 12``, ``page 2 line 5``, ``meta description``: in English, as records and tables keep it."""
        words = [self.kind.replace("-", " ")]
        if self.number:
            words.append(str(self.number))
        if self.line:
            words.append(f"line {self.line}")
        if self.name:
            words.append(self.name)
        return " ".join(words)

    def shown(self) -> str:
        """The label in the reviewer's language (auditor.i18n), for what is printed and drawn."""
        words = [_(_PART_KINDS[self.kind]).format(n=self.number) if self.kind in _PART_KINDS and self.number
                 else _(_PART_KINDS.get(self.kind, self.kind)).format(n="").strip()]
        if self.line:
            words.append(_("line {n}").format(n=self.line))
        if self.name:
            words.append(self.name)
        return " ".join(words)


# What a Part's kind is called, with its number.
_PART_KINDS = {
    "paragraph": N_("paragraph {n}"), "header": N_("header {n}"), "footer": N_("footer {n}"),
    "footnote": N_("footnote {n}"), "endnote": N_("endnote {n}"), "comment": N_("comment {n}"),
    "text-box": N_("text box {n}"), "page": N_("page {n}"), "title": N_("title"), "meta": N_("meta"),
}


@dataclass(frozen=True, slots=True)
class FileFinding:
    """Something the file holds that its visible text does not show (or shows without meaning to)."""

    rule: str  # the gate rule: one of IN_FILE_RULES
    kind: str  # what exactly: one of KIND_DESCRIPTIONS
    where: str  # where in the file: "paragraph 12", "page 2 at (72, 540)", "docProps/core.xml title"
    text: str  # what is there (the hidden text, the property's value), whole
    start: int = -1  # where it stands in the extracted text (a covered run's mask), -1 when it stands nowhere
    end: int = -1


# The gate rules of in-file findings (rules/policy.toml [rules]), and what each kind is, in a reviewer's words
# (in English: the gate and the report show them translated).
IN_FILE_RULES = ("covered-text", "hidden-text", "tracked-changes", "comments", "metadata", "alt-text",
                 "attachments", "earlier-revisions", "no-text-layer")
KIND_DESCRIPTIONS = {
    "black-highlight": N_("text under black (or same-as-text) highlighting is still in the file"),
    "shading": N_("text under dark (or same-as-text) shading is still in the file"),
    "under-box": N_("text under a filled box drawn over it is still in the file"),
    "under-image": N_("text under an image placed over it is still in the file"),
    "vanish": N_("hidden text (Word's hidden font) is in the file"),
    "invisible-text": N_("white or invisible text is in the file"),
    "off-page": N_("text outside the page is in the file"),
    "deletion": N_("a tracked deletion keeps the deleted text in the file"),
    "insertion": N_("a tracked insertion is not accepted: the file keeps the revision and its author"),
    "comment": N_("a comment is in the file"),
    "annotation": N_("an annotation is in the file"),
    "property": N_("a document property is set"),
    "custom-property": N_("a custom document property is set"),
    "thumbnail": N_("a preview picture of the first page is saved in the file"),
    "info": N_("the PDF's document information is set"),
    "xmp": N_("the PDF's XMP metadata is set"),
    "alt-text": N_("an image's alternative text is in the file"),
    "attachment": N_("a file is attached"),
    "incremental-update": N_("earlier revisions of the file are kept by incremental updates"),
    "no-text-layer": N_("a page has no text layer (a scanned image): its text cannot be audited"),
}


@dataclass(frozen=True)
class Extracted:
    """A document as a reader of it sees it."""

    text: str
    parts: tuple[Part, ...] = ()
    findings: tuple[FileFinding, ...] = ()


def part_at(parts: tuple[Part, ...], offset: int) -> tuple[Part, int] | None:
    """The part holding ``offset`` and the offset's 1-based character within it; None without parts."""
    if not parts:
        return None
    index = bisect_right([p.start for p in parts], offset) - 1
    part = parts[max(0, index)]
    return part, offset - part.start + 1


def where(parts: tuple[Part, ...], offset: int) -> str:
    """``paragraph 12, character 5`` in the reviewer's language ('' without parts)."""
    found = part_at(parts, offset)
    if found is None:
        return ""
    part, character = found
    return _("{part}, character {n}").format(part=part.shown(), n=character)

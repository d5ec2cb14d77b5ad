"""Word .docx files, read straight from their OOXML parts: the text a reader
sees, what else the file holds, and a copy of the file without it."""
from __future__ import annotations

import contextlib
import io
import struct
import zipfile
import zlib
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from posixpath import basename, dirname, join, normpath
from types import MappingProxyType
from typing import Iterable, Iterator, Mapping, Sequence
from urllib.parse import unquote

from lxml import etree

from . import COVER_GLYPH, Extracted, FileFinding, FormatError, Part

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
VML = "urn:schemas-microsoft-com:vml"
XML = "http://www.w3.org/XML/1998/namespace"


def _w(name: str) -> str:
    return f"{{{W}}}{name}"


DOCUMENT, BODY, P, PPR, PSTYLE = map(_w, ("document", "body", "p", "pPr", "pStyle"))
RUN, RPR, RSTYLE = map(_w, ("r", "rPr", "rStyle"))
T, DEL_TEXT, TAB, PTAB, BR, CR = map(_w, ("t", "delText", "tab", "ptab", "br", "cr"))
NO_BREAK_HYPHEN, SOFT_HYPHEN, SYM = map(_w, ("noBreakHyphen", "softHyphen", "sym"))
INS, DEL, MOVE_TO, MOVE_FROM = map(_w, ("ins", "del", "moveTo", "moveFrom"))
SECT_PR, HEADER_REF, FOOTER_REF = map(_w, ("sectPr", "headerReference", "footerReference"))
COMMENT, COMMENT_START, COMMENT_END, COMMENT_REF = map(
    _w, ("comment", "commentRangeStart", "commentRangeEnd", "commentReference"))
DRAWING, PICT, OBJECT, TXBX = map(_w, ("drawing", "pict", "object", "txbxContent"))
RUBY, RUBY_BASE = map(_w, ("ruby", "rubyBase"))
VANISH, COLOR, HIGHLIGHT, SHD = map(_w, ("vanish", "color", "highlight", "shd"))
STYLE, BASED_ON, DOC_DEFAULTS, RPR_DEFAULT = map(_w, ("style", "basedOn", "docDefaults", "rPrDefault"))
VAL, ID, AUTHOR, DATE, TYPE, FILL, STYLE_ID = map(_w, ("val", "id", "author", "date", "type", "fill", "styleId"))
ALTERNATE, CHOICE, FALLBACK = (f"{{{MC}}}{name}" for name in ("AlternateContent", "Choice", "Fallback"))
DOC_PR = f"{{{WP}}}docPr"
R_ID = f"{{{R}}}id"
XML_SPACE = f"{{{XML}}}space"

# Inline elements whose runs are part of the paragraph, and block elements whose paragraphs are part of the story.
INLINE_CONTAINERS = frozenset(map(_w, ("hyperlink", "smartTag", "sdt", "sdtContent", "customXml", "fldSimple",
                                        "bdo", "dir")))
BLOCK_CONTAINERS = frozenset(map(_w, ("tbl", "tr", "tc", "sdt", "sdtContent", "customXml")))
INSERTIONS = frozenset((INS, MOVE_TO))
DELETIONS = frozenset((DEL, MOVE_FROM))
RUN_CHARACTERS = MappingProxyType({TAB: "\t", PTAB: "\t", BR: "\n", CR: "\n", NO_BREAK_HYPHEN: "-"})
RUN_TEXT = frozenset((T, DEL_TEXT, SOFT_HYPHEN, SYM, *RUN_CHARACTERS))
OBJECTS = frozenset((DRAWING, PICT, OBJECT, ALTERNATE))
NOTE_SEPARATORS = frozenset(("separator", "continuationSeparator", "continuationNotice"))
LOOK_TAGS = frozenset((VANISH, COLOR, HIGHLIGHT, SHD))

# Revision marks that accepting the revisions drops (with what they hold); insertions are unwrapped instead.
REVISION_MARKS = tuple(map(_w, (
    "del", "moveFrom", "moveFromRangeStart", "moveFromRangeEnd", "moveToRangeStart", "moveToRangeEnd",
    "rPrChange", "pPrChange", "sectPrChange", "tblPrChange", "tblPrExChange", "trPrChange", "tcPrChange",
    "tblGridChange", "numberingChange", "cellIns", "cellDel", "cellMerge",
    "customXmlInsRangeStart", "customXmlInsRangeEnd", "customXmlDelRangeStart", "customXmlDelRangeEnd",
    "customXmlMoveFromRangeStart", "customXmlMoveFromRangeEnd", "customXmlMoveToRangeStart",
    "customXmlMoveToRangeEnd")))

# CT_RPr is a sequence: Word refuses a file whose run properties are out of this order.
RPR_ORDER = ("rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike", "outline",
             "shadow", "emboss", "imprint", "noProof", "snapToGrid", "vanish", "webHidden", "color", "spacing",
             "w", "kern", "position", "sz", "szCs", "highlight", "u", "effect", "bdr", "shd", "fitText",
             "vertAlign", "rtl", "cs", "em", "lang", "eastAsianLayout", "specVanish", "oMath")

HIGHLIGHT_COLOURS = MappingProxyType({
    "black": "000000", "blue": "0000FF", "cyan": "00FFFF", "green": "00FF00", "magenta": "FF00FF",
    "red": "FF0000", "yellow": "FFFF00", "white": "FFFFFF", "darkBlue": "000080", "darkCyan": "008080",
    "darkGreen": "008000", "darkMagenta": "800080", "darkRed": "800000", "darkYellow": "808000",
    "darkGray": "808080", "lightGray": "C0C0C0",
})
DARK = 0.3  # relative luminance under which a colour hides dark text

CORE_FIELDS = ("title", "subject", "creator", "keywords", "description", "lastModifiedBy", "category", "contentStatus")
# TitlesOfParts is where Word repeats the document's title.
APP_FIELDS = ("Company", "Manager", "TitlesOfParts")
# Parts that only say more about comments (their authors, their threads).
COMMENT_EXTRAS = ("commentsExtended", "commentsIds", "commentsExtensible", "people")

OLE_MAGIC = b"\xd0\xcf\x11\xe0"
MAX_INFLATED = 200 * 2**20
MAX_RATIO = 50

# What a damaged or hostile file can raise from zipfile, zlib and lxml.
BAD_INPUT = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, struct.error, EOFError, OSError,
             ValueError, KeyError, IndexError, TypeError, AttributeError, NotImplementedError, RuntimeError,
             etree.LxmlError)


# --- records ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Look:
    hidden: bool = False
    cover: str = ""  # "" | black-highlight | shading


@dataclass(frozen=True)
class _Styles:
    """What styles.xml says about hiding and colouring runs, each style's basedOn chain already merged."""

    by_id: Mapping[str, Mapping[str, etree._Element]] = field(default_factory=dict)
    default_paragraph: str = ""
    defaults: Mapping[str, etree._Element] = field(default_factory=dict)

    def look(self, rpr: etree._Element | None, paragraph_style: str | None) -> _Look:
        props = dict(self.defaults)
        # A paragraph without a style, or with one styles.xml lacks, has the default paragraph style.
        props.update(self.by_id.get(paragraph_style if paragraph_style in self.by_id else self.default_paragraph, {}))
        if rpr is not None:
            character_style = rpr.find(RSTYLE)
            if character_style is not None:
                props.update(self.by_id.get(character_style.get(VAL, ""), {}))
            props.update(_look_props(rpr))
        return _judge(props)


@dataclass(frozen=True)
class _Doc:
    """The parsed parts of a .docx that hold text or say something about it, by zip member name."""

    roots: Mapping[str, etree._Element]
    main: str
    headers: tuple[str, ...] = ()
    footers: tuple[str, ...] = ()
    footnotes: str | None = None
    endnotes: str | None = None
    comments: str | None = None
    extras: tuple[str, ...] = ()
    core: str | None = None
    app: str | None = None
    custom: str | None = None
    styles: _Styles = _Styles()
    # A picture of the first page as saved (Word's "save preview picture"): it may show what the text masks.
    thumbnail: str | None = None
    package_rels: str | None = None  # _rels/.rels, which names the thumbnail

    @property
    def stories(self) -> tuple[str, ...]:
        """The parts whose paragraphs are text of the document."""
        return tuple(n for n in (self.main, *self.headers, *self.footers, self.footnotes, self.endnotes) if n)


@dataclass(frozen=True)
class _Rel:
    kind: str  # the relationship type's last word: header, footnotes, core-properties…
    id: str
    target: str | None  # the zip member, None when the file lacks it


# --- the package -----------------------------------------------------------------------------------------


@contextlib.contextmanager
def _bad_input() -> Iterator[None]:
    """Whatever a damaged file makes the libraries raise becomes a FormatError."""
    try:
        yield
    except FormatError:
        raise
    except BAD_INPUT as error:
        detail = " ".join(str(error).split())  # one line, whatever the library said
        raise FormatError(f"not a readable .docx: {type(error).__name__}: {detail}") from error


def _open_zip(data: bytes) -> zipfile.ZipFile:
    if data.startswith(OLE_MAGIC):
        raise FormatError("an OLE compound file, not a zip: a password-protected .docx or an old binary .doc",
                          status="encrypted")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise FormatError(f"not a .docx: not a zip archive, or a truncated one ({error})") from error
    inflated = sum(info.file_size for info in archive.infolist())
    if inflated > MAX_INFLATED and inflated > MAX_RATIO * len(data):
        archive.close()
        raise FormatError(f"refused as a zip bomb: {len(data)} bytes that would inflate to {inflated}")
    return archive


def _parser() -> etree.XMLParser:
    # A parser per file: lxml parsers keep state and must not be shared between threads.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _load(archive: zipfile.ZipFile) -> _Doc:
    # Part names are case-insensitive in OPC; zip member names are not.
    members = {name.lower(): name for name in archive.namelist()}

    def member(name: str | None) -> str | None:
        return members.get(name.lower()) if name else None

    def parse(name: str | None) -> str | None:
        if name and name not in roots:
            roots[name] = etree.fromstring(archive.read(name), _parser())
        return name

    roots: dict[str, etree._Element] = {}
    package = _relationships(archive, member, "")
    wanted = _first(package, "officeDocument") or "word/document.xml"
    main = member(wanted)
    if main is None:
        raise FormatError(f"not a Word document: the zip has no {wanted}")
    document = roots[parse(main)]
    if document.tag != DOCUMENT:
        raise FormatError(f"not a Word document: {main} is not WordprocessingML (Strict Open XML is not read)")
    rels = _relationships(archive, member, main)
    headers, footers = (tuple(parse(name) for name in _section_parts(document, rels, kind))
                        for kind in ("header", "footer"))
    styles = parse(_first(rels, "styles"))
    return _Doc(
        roots=roots, main=main, headers=headers, footers=footers,
        footnotes=parse(_first(rels, "footnotes")), endnotes=parse(_first(rels, "endnotes")),
        comments=parse(_first(rels, "comments")),
        extras=tuple(parse(name) for kind in COMMENT_EXTRAS if (name := _first(rels, kind))),
        core=parse(_first(package, "core-properties") or member("docProps/core.xml")),
        app=parse(_first(package, "extended-properties") or member("docProps/app.xml")),
        custom=parse(_first(package, "custom-properties") or member("docProps/custom.xml")),
        styles=_styles(roots.get(styles)) if styles else _Styles(),
        thumbnail=(thumbnail := _first(package, "thumbnail")),
        package_rels=parse(member("_rels/.rels")) if thumbnail else None,
    )


def _relationships(archive: zipfile.ZipFile, member, source: str) -> tuple[_Rel, ...]:
    rels = member(join(dirname(source), "_rels", basename(source) + ".rels"))
    if rels is None:
        return ()
    found = []
    for rel in etree.fromstring(archive.read(rels), _parser()).iter(f"{{{RELS}}}Relationship"):
        if rel.get("TargetMode") == "External":
            continue
        target = unquote(rel.get("Target", ""))
        name = target[1:] if target.startswith("/") else normpath(join(dirname(source), target))
        found.append(_Rel(rel.get("Type", "").rsplit("/", 1)[-1], rel.get("Id", ""), member(name)))
    return tuple(found)


def _first(rels: Iterable[_Rel], kind: str) -> str | None:
    return next((rel.target for rel in rels if rel.kind == kind and rel.target), None)


def _section_parts(document: etree._Element, rels: tuple[_Rel, ...], kind: str) -> list[str]:
    """The header (or footer) parts in the order the sections refer to them, then any the document
    relates but no section shows: they are still in the file."""
    by_id = {rel.id: rel.target for rel in rels if rel.kind == kind and rel.target}
    reference = HEADER_REF if kind == "header" else FOOTER_REF
    names = [by_id.get(ref.get(R_ID)) for section in _sections(document) for ref in section.iter(reference)]
    return list(dict.fromkeys(name for name in [*names, *by_id.values()] if name))


def _sections(document: etree._Element) -> Iterator[etree._Element]:
    for section in document.iter(SECT_PR):
        parent = section.getparent()
        # A sectPr under a pPrChange is the section as it was before a tracked change.
        if parent.tag == BODY or (parent.tag == PPR and parent.getparent() is not None
                                  and parent.getparent().tag == P):
            yield section


# --- how a run looks -------------------------------------------------------------------------------------


def _styles(root: etree._Element | None) -> _Styles:
    if root is None:
        return _Styles()
    own: dict[str, dict[str, etree._Element]] = {}
    based_on: dict[str, str] = {}
    default_paragraph = ""
    for style in root.iter(STYLE):
        style_id = style.get(STYLE_ID, "")
        rpr = style.find(RPR)
        own[style_id] = _look_props(rpr) if rpr is not None else {}
        parent = style.find(BASED_ON)
        if parent is not None:
            based_on[style_id] = parent.get(VAL, "")
        if style.get(TYPE) == "paragraph" and style.get(_w("default")) in ("1", "true", "on"):
            default_paragraph = style_id
    defaults = root.find(f"{DOC_DEFAULTS}/{RPR_DEFAULT}/{RPR}")
    return _Styles({style_id: _chain(style_id, own, based_on) for style_id in own}, default_paragraph,
                   _look_props(defaults) if defaults is not None else {})


def _chain(style_id: str, own: Mapping[str, dict], based_on: Mapping[str, str]) -> dict[str, etree._Element]:
    chain: list[str] = []
    while style_id in own and style_id not in chain:  # a basedOn loop must not hang the reader
        chain.append(style_id)
        style_id = based_on.get(style_id, "")
    merged: dict[str, etree._Element] = {}
    for ancestor in reversed(chain):
        merged.update(own[ancestor])
    return merged


def _look_props(rpr: etree._Element) -> dict[str, etree._Element]:
    return {child.tag: child for child in rpr if child.tag in LOOK_TAGS}


def _judge(props: Mapping[str, etree._Element]) -> _Look:
    vanish = props.get(VANISH)
    hidden = vanish is not None and vanish.get(VAL) not in ("0", "false", "off")
    colour = _hex(props[COLOR].get(VAL)) if COLOR in props else None
    highlight = props[HIGHLIGHT].get(VAL) if HIGHLIGHT in props else None
    shade = _shade(props.get(SHD))
    dark_text = colour is None or _luminance(colour) < DARK
    if (highlight == "black" and dark_text) or (colour and HIGHLIGHT_COLOURS.get(highlight) == colour):
        return _Look(hidden, "black-highlight")
    if shade and (shade == colour or (dark_text and _luminance(shade) < DARK)):
        return _Look(hidden, "shading")
    return _Look(hidden)


def _shade(shd: etree._Element | None) -> str | None:
    """The colour a w:shd paints: its fill, or its pattern colour when the pattern is solid."""
    if shd is None or shd.get(VAL) == "nil":
        return None
    if shd.get(VAL) == "solid":
        return _hex(shd.get(_w("color"))) or "000000"  # an automatic solid pattern is black
    return _hex(shd.get(FILL))


def _hex(value: str | None) -> str | None:
    """RRGGBB in capitals, None for auto or anything else."""
    if value and len(value) == 6 and all(c in "0123456789abcdefABCDEF" for c in value):
        return value.upper()
    return None


def _luminance(colour: str) -> float:
    red, green, blue = (int(colour[i:i + 2], 16) / 255 for i in (0, 2, 4))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def _paragraph_style(paragraph: etree._Element | None) -> str | None:
    if paragraph is None:
        return None
    style = paragraph.find(f"{PPR}/{PSTYLE}")
    return style.get(VAL) if style is not None else None


# --- reading ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Segment:
    """Where a w:t element's text stands in the extracted text: the text edits can change."""

    start: int
    end: int
    element: etree._Element


class _Revision:
    def __init__(self, kind: str):
        self.kind = kind  # insertion | deletion
        self.texts: list[str] = []


class _Paragraph:
    """What one paragraph holds out of sight, gathered while its runs are read."""

    def __init__(self, label: str, style: str | None, in_body: bool):
        self.label = label
        self.style = style
        self.in_body = in_body
        self.hidden: list[list] = []  # [offset, text]: runs with nothing visible between them merge
        self.covered: list[list] = []  # [start, end, kind, text]
        self.images: set[tuple[str, str]] = set()

    def hide(self, offset: int, text: str) -> None:
        if self.hidden and self.hidden[-1][0] == offset:
            self.hidden[-1][1] += text
        else:
            self.hidden.append([offset, text])

    def cover(self, start: int, text: str, kind: str) -> None:
        last = self.covered[-1] if self.covered else None
        if last and last[1] == start and last[2] == kind:
            last[1] += len(text)
            last[3] += text
        else:
            self.covered.append([start, start + len(text), kind, text])

    def findings(self) -> Iterator[FileFinding]:
        for _, text in self.hidden:
            if text:
                yield FileFinding("hidden-text", "vanish", self.label, text)
        for start, end, kind, text in self.covered:
            yield FileFinding("covered-text", kind, self.label, text, start, end)


class _Reader:
    """One pass over a document's stories in reading order, building its Extracted."""

    def __init__(self, styles: _Styles):
        self.styles = styles
        self.pieces: list[str] = []
        self.offset = 0
        self.parts: list[Part] = []
        self.findings: list[FileFinding] = []
        self.segments: list[_Segment] = []
        self.numbers: Counter[str] = Counter()
        self.text_boxes: list[etree._Element] = []
        self.anchors: dict[str, str] = {}  # comment id -> the body paragraph it is on

    def extracted(self) -> Extracted:
        return Extracted("".join(self.pieces), tuple(self.parts), tuple(self.findings))

    def emit(self, text: str, element: etree._Element | None = None) -> None:
        if element is not None and text:
            self.segments.append(_Segment(self.offset, self.offset + len(text), element))
        self.pieces.append(text)
        self.offset += len(text)

    def blocks(self, container: etree._Element, kind: str) -> None:
        for child in container:
            if child.tag == P:
                self.paragraph(child, kind)
            elif child.tag in BLOCK_CONTAINERS:
                self.blocks(child, kind)
            elif child.tag == ALTERNATE and (branch := _chosen(child)) is not None:
                self.blocks(branch, kind)

    def text_box_stories(self) -> None:
        # Text boxes found while reading text boxes join the queue.
        done = 0
        while done < len(self.text_boxes):
            self.blocks(self.text_boxes[done], "text-box")
            done += 1

    def paragraph(self, element: etree._Element, kind: str) -> None:
        if self.parts:
            self.emit("\n")
        self.numbers[kind] += 1
        part = Part(self.offset, kind, number=self.numbers[kind])
        self.parts.append(part)
        paragraph = _Paragraph(part.label, _paragraph_style(element), kind == "paragraph")
        self.inline(element, paragraph, ())
        self.findings.extend(paragraph.findings())

    def inline(self, container: etree._Element, paragraph: _Paragraph, revisions: tuple[_Revision, ...]) -> None:
        for child in container:
            tag = child.tag
            if tag == RUN:
                self.run(child, paragraph, revisions)
            elif tag in INSERTIONS or tag in DELETIONS:
                self.revision(child, paragraph, revisions)
            elif tag == COMMENT_START:
                self.anchor(child, paragraph)
            elif tag in INLINE_CONTAINERS:
                self.inline(child, paragraph, revisions)
            elif tag == ALTERNATE and (branch := _chosen(child)) is not None:
                self.inline(branch, paragraph, revisions)

    def revision(self, element: etree._Element, paragraph: _Paragraph, revisions: tuple[_Revision, ...]) -> None:
        if any(r.kind == "deletion" for r in revisions):
            # Whatever happened inside deleted text, it is deleted: the outer deletion reports it.
            self.inline(element, paragraph, revisions)
            return
        revision = _Revision("deletion" if element.tag in DELETIONS else "insertion")
        self.inline(element, paragraph, (*revisions, revision))
        author = element.get(AUTHOR) or "unknown"
        by = f"{author}, {element.get(DATE)}" if element.get(DATE) else author
        self.findings.append(FileFinding("tracked-changes", revision.kind, f"{paragraph.label} (by {by})",
                                         "".join(revision.texts)))

    def run(self, run: etree._Element, paragraph: _Paragraph, revisions: tuple[_Revision, ...]) -> None:
        deleted = [r for r in revisions if r.kind == "deletion"]
        look = _Look() if deleted else self.styles.look(run.find(RPR), paragraph.style)
        for child in run:
            tag = child.tag
            if tag == COMMENT_REF:
                self.anchor(child, paragraph)
                continue
            if tag in OBJECTS:
                if not deleted:
                    self.objects(child, paragraph)
                continue
            if tag == RUBY:  # the base text is the text; its phonetic guide (w:rt) is not read
                base = child.find(RUBY_BASE)
                if base is not None:
                    self.inline(base, paragraph, revisions)
                continue
            text = (child.text or "") if tag in (T, DEL_TEXT) else RUN_CHARACTERS.get(tag)
            if text is None or (tag == DEL_TEXT and not deleted):  # a delText outside a deletion shows nowhere
                continue
            for revision in deleted or revisions:
                revision.texts.append(text)
            if deleted:
                continue
            if look.hidden:
                paragraph.hide(self.offset, text)
            elif look.cover and tag == T:
                paragraph.cover(self.offset, text, look.cover)
                self.emit(COVER_GLYPH * len(text), child)
            else:
                self.emit(text, child if tag == T else None)

    def anchor(self, element: etree._Element, paragraph: _Paragraph) -> None:
        if paragraph.in_body:
            self.anchors.setdefault(element.get(ID, ""), paragraph.label)

    def objects(self, element: etree._Element, paragraph: _Paragraph) -> None:
        name = ""
        for node in _embedded((element,)):
            if node.tag == TXBX:
                self.text_boxes.append(node)
                continue
            if node.tag == DOC_PR:
                name = node.get("name", "")
            for attribute in ("descr", "title"):
                value = (node.get(attribute) or "").strip()
                if value and (name, value) not in paragraph.images:
                    paragraph.images.add((name, value))
                    self.findings.append(FileFinding("alt-text", "alt-text", f"{paragraph.label} image {name}", value))


def _embedded(elements: Iterable[etree._Element]) -> Iterator[etree._Element]:
    """The text boxes and picture properties inside drawing objects, one copy of each: a text box
    Word also wrote as VML for old readers is taken from its mc:Choice, not its mc:Fallback."""
    for element in elements:
        tag = element.tag
        if not isinstance(tag, str):
            continue
        if tag == TXBX or tag == DOC_PR or tag.endswith("}cNvPr"):
            yield element  # a text box's own text boxes are found when it is read
        elif tag == ALTERNATE:
            branch = _chosen(element)
            if branch is not None:
                yield from _embedded(branch)
        else:
            yield from _embedded(element)


def _chosen(alternate: etree._Element) -> etree._Element | None:
    choice = alternate.find(CHOICE)
    return choice if choice is not None else alternate.find(FALLBACK)


def _extract(doc: _Doc) -> _Reader:
    reader = _Reader(doc.styles)
    body = doc.roots[doc.main].find(BODY)
    if body is None:
        raise FormatError(f"not a Word document: {doc.main} has no w:body")
    reader.blocks(body, "paragraph")
    for kind, names in (("header", doc.headers), ("footer", doc.footers)):
        for name in names:
            reader.blocks(doc.roots[name], kind)
    for kind, name in (("footnote", doc.footnotes), ("endnote", doc.endnotes)):
        for note in doc.roots[name].findall(_w(kind)) if name else ():
            if note.get(TYPE) not in NOTE_SEPARATORS:
                reader.blocks(note, kind)
    reader.text_box_stories()
    if doc.comments:
        reader.findings.extend(_comment_findings(doc.roots[doc.comments], reader.anchors))
    reader.findings.extend(_property_findings(doc))
    reader.findings.extend(_thumbnail_findings(doc))
    return reader


def _comment_findings(root: etree._Element, anchors: Mapping[str, str]) -> Iterator[FileFinding]:
    for number, comment in enumerate(root.findall(COMMENT), 1):
        anchor = anchors.get(comment.get(ID, ""))
        where = f"comment {number} by {comment.get(AUTHOR) or 'unknown'}" + (f" on {anchor}" if anchor else "")
        yield FileFinding("comments", "comment", where, _plain_text(comment))


def _plain_text(container: etree._Element) -> str:
    return "\n".join("".join((node.text or "") if node.tag == T else RUN_CHARACTERS[node.tag]
                             for node in paragraph.iter(T, *RUN_CHARACTERS))
                     for paragraph in container.iter(P))


def _property_findings(doc: _Doc) -> Iterator[FileFinding]:
    for name, fields in ((doc.core, CORE_FIELDS), (doc.app, APP_FIELDS)):
        for child in doc.roots[name] if name else ():
            local = _local(child)
            value = "\n".join(v for t in child.itertext() if (v := t.strip())) if local in fields else ""
            if value:
                yield FileFinding("metadata", "property", f"{name} {local}", value)
    for prop in doc.roots[doc.custom] if doc.custom else ():
        value = "".join(prop.itertext()).strip() if isinstance(prop.tag, str) else ""
        if value:
            yield FileFinding("metadata", "custom-property", f"{doc.custom} {prop.get('name', '')}", value)


def _thumbnail_findings(doc: _Doc) -> Iterator[FileFinding]:
    if doc.thumbnail:
        yield FileFinding("metadata", "thumbnail", doc.thumbnail, "a picture of the first page as it was saved")


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def read(data: bytes) -> Extracted:
    """The text of a .docx as Word shows it, its parts, and what else the file holds."""
    with _bad_input():
        with _open_zip(data) as archive:
            doc = _load(archive)
        return _extract(doc).extracted()


# --- writing a clean copy --------------------------------------------------------------------------------


def write_clean(data: bytes, edits: Sequence[tuple[int, int, str]] = ()) -> bytes:
    """A copy of a .docx without what :func:`read` finds in it, with ``edits`` (spans of
    ``read(data).text`` and their replacements) made in its w:t text."""
    with _bad_input():
        with _open_zip(data) as archive:
            doc = _load(archive)
            infos = archive.infolist()
            contents = {info.filename: archive.read(info) for info in infos}
        reader = _extract(doc)
    changes = _locate(edits, reader.segments, reader.offset)
    touched = _clean(doc)
    touched |= _apply(changes, doc)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in infos:
            if info.filename == doc.thumbnail:
                continue
            content = contents[info.filename]
            if info.filename in touched:
                content = etree.tostring(doc.roots[info.filename].getroottree(), xml_declaration=True,
                                         encoding="UTF-8", standalone=True)
            target.writestr(_copy_info(info), content)
    return out.getvalue()


def _copy_info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    copy = zipfile.ZipInfo(info.filename, info.date_time)
    copy.compress_type = info.compress_type
    copy.external_attr = info.external_attr
    copy.create_system = info.create_system
    return copy


def _clean(doc: _Doc) -> set[str]:
    """Accept the revisions, drop comments, hidden runs, alt text and properties, mask covered runs:
    the members changed."""
    touched = set()
    for name in doc.stories:
        root = doc.roots[name]
        if any([_accept_revisions(root), _drop_comment_marks(root), _clean_runs(root, doc.styles),
                _drop_alt_text(root), _drop_fallback_text_boxes(root)]):
            touched.add(name)
    for name in (doc.comments, *doc.extras, doc.custom):
        if name and _empty(doc.roots[name]):
            touched.add(name)
    if doc.core and _drop_children(doc.roots[doc.core], lambda e: _local(e) in CORE_FIELDS):
        touched.add(doc.core)
    if doc.app and _blank_app(doc.roots[doc.app]):
        touched.add(doc.app)
    if doc.package_rels and _drop_children(doc.roots[doc.package_rels],
                                           lambda e: e.get("Type", "").endswith("/thumbnail")):
        touched.add(doc.package_rels)
    return touched


def _accept_revisions(root: etree._Element) -> bool:
    marks = list(root.iter(*REVISION_MARKS))
    for mark in marks:
        _remove(mark)
    insertions = list(root.iter(INS, MOVE_TO))
    for insertion in insertions:
        _unwrap(insertion)
    return bool(marks or insertions)


def _drop_comment_marks(root: etree._Element) -> bool:
    marks = list(root.iter(COMMENT_START, COMMENT_END, COMMENT_REF))
    for mark in marks:
        run = mark.getparent()
        _remove(mark)
        if run is not None and run.tag == RUN and all(child.tag == RPR for child in run):
            _remove(run)
    return bool(marks)


def _clean_runs(root: etree._Element, styles: _Styles) -> bool:
    changed = False
    for run in list(root.iter(RUN)):
        style = _paragraph_style(next(run.iterancestors(P), None))
        look = styles.look(run.find(RPR), style)
        if look.hidden:
            changed |= _drop_text(run)
        elif look.cover:
            _uncover(run, styles, style)
            changed = True
    return changed


def _drop_text(run: etree._Element) -> bool:
    texts = [child for child in run if child.tag in RUN_TEXT]
    for child in texts:
        run.remove(child)
    if texts and all(child.tag == RPR for child in run):
        _remove(run)
    return bool(texts)


def _uncover(run: etree._Element, styles: _Styles, style: str | None) -> None:
    for t in run.findall(T):  # not a ruby's nested runs: they have their own look
        t.text = COVER_GLYPH * len(t.text or "")
    rpr = run.find(RPR)
    if rpr is None:
        rpr = etree.Element(RPR)
        run.insert(0, rpr)
    for child in rpr.findall(HIGHLIGHT) + rpr.findall(SHD):
        rpr.remove(child)
    if styles.look(rpr, style).cover:  # the cover comes from a style: override it on the run
        _put(rpr, "highlight", {VAL: "none"})
        _put(rpr, "shd", {VAL: "clear", _w("color"): "auto", FILL: "auto"})


def _put(rpr: etree._Element, name: str, attributes: Mapping[str, str]) -> None:
    rank = RPR_ORDER.index(name)
    position = next((i for i, child in enumerate(rpr) if _rank(child) > rank), len(rpr))
    rpr.insert(position, etree.Element(_w(name), attributes))


def _rank(element: etree._Element) -> int:
    local = _local(element)
    if element.tag == _w(local) and local in RPR_ORDER:
        return RPR_ORDER.index(local)
    return len(RPR_ORDER)  # extensions (w14:…) come last


def _drop_alt_text(root: etree._Element) -> bool:
    changed = False
    for element in root.iter(etree.Element):
        tag = element.tag
        names = (("descr", "title") if tag == DOC_PR or tag.endswith("}cNvPr")
                 else ("alt",) if tag.startswith(f"{{{VML}}}") else ())
        for name in names:
            if element.get(name):
                element.set(name, "")
                changed = True
    return changed


def _drop_fallback_text_boxes(root: etree._Element) -> bool:
    """Drop the VML copies of text boxes: the reader takes the mc:Choice copy, so edits and
    cleaning reach only that one, and the copy would keep the text as it was."""
    changed = False
    for alternate in list(root.iter(ALTERNATE)):
        if alternate.find(CHOICE) is None:
            continue
        for fallback in alternate.findall(FALLBACK):
            if next(fallback.iter(TXBX), None) is not None:
                alternate.remove(fallback)
                changed = True
    return changed


def _blank_app(root: etree._Element) -> bool:
    changed = False
    for child in root:
        if _local(child) in APP_FIELDS:
            for node in child.iter(etree.Element):
                if node.text and node.text.strip():
                    node.text = ""
                    changed = True
    return changed


def _empty(root: etree._Element) -> bool:
    return _drop_children(root, lambda element: True)


def _drop_children(root: etree._Element, which) -> bool:
    doomed = [child for child in root if isinstance(child.tag, str) and which(child)]
    for child in doomed:
        root.remove(child)
    return bool(doomed)


def _remove(element: etree._Element) -> None:
    parent = element.getparent()
    if parent is not None:
        parent.remove(element)


def _unwrap(element: etree._Element) -> None:
    parent = element.getparent()
    if parent is None:
        return
    position = parent.index(element)
    for offset, child in enumerate(list(element)):
        parent.insert(position + offset, child)
    parent.remove(element)


def _locate(edits: Sequence[tuple[int, int, str]], segments: Sequence[_Segment],
            length: int) -> list[tuple[etree._Element, int, int, str]]:
    """Each edit as the w:t pieces it replaces: (element, start, end within its text, replacement)."""
    starts = [segment.start for segment in segments]
    changes = []
    previous_end = 0
    for start, end, replacement in sorted(edits, key=lambda edit: (edit[0], edit[1])):
        if not 0 <= start <= end <= length or start < previous_end:
            raise ValueError(f"edit ({start}, {end}) is outside the text ({length} characters) or overlaps another")
        previous_end = end
        changes.extend(_pieces(start, end, replacement, segments, starts))
    return changes


def _pieces(start: int, end: int, replacement: str, segments: Sequence[_Segment],
            starts: Sequence[int]) -> list[tuple[etree._Element, int, int, str]]:
    index = bisect_right(starts, start) - 1
    if start == end:  # an insertion: inside a w:t's text or at either end of it
        if index >= 0 and start <= segments[index].end:
            local = start - segments[index].start
            return [(segments[index].element, local, local, replacement)]
        raise ValueError(f"edit ({start}, {end}) is not in the text of a w:t element")
    pieces = []
    position = start
    while position < end:
        if not (0 <= index < len(segments) and segments[index].start <= position < segments[index].end):
            raise ValueError(f"edit ({start}, {end}) reaches text that is not in a w:t element (offset {position})")
        segment = segments[index]
        stop = min(end, segment.end)
        pieces.append((segment.element, position - segment.start, stop - segment.start,
                       "" if pieces else replacement))
        position = stop
        index += 1
    return pieces


def _apply(changes: Sequence[tuple[etree._Element, int, int, str]], doc: _Doc) -> set[str]:
    """Make the edits, last first within each w:t so earlier offsets hold: the members changed."""
    by_element: dict[int, tuple[etree._Element, list]] = {}
    for element, start, end, replacement in changes:
        by_element.setdefault(id(element), (element, []))[1].append((start, end, replacement))
    for element, pieces in by_element.values():
        text = element.text or ""
        for start, end, replacement in sorted(pieces, key=lambda piece: (piece[0], piece[1]), reverse=True):
            text = text[:start] + replacement + text[end:]
        element.text = text
        element.set(XML_SPACE, "preserve")  # Word would drop the spaces at either end otherwise
    members = {id(root): name for name, root in doc.roots.items()}
    return {members[id(element.getroottree().getroot())] for element, _ in by_element.values()}

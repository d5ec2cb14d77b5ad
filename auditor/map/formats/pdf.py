"""The PDF reader: the text a reader of the pages sees, and what the file keeps besides it.

Built on pdfplumber (characters with their boxes and colours, rectangles, images) and the
pdfminer document under it (information dictionary, XMP, annotations, attached files).
"""
from __future__ import annotations

import io
import logging
import re
import statistics
import unicodedata
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from types import MappingProxyType

import pdfplumber
from pdfminer.layout import LTChar
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfinterp import PDFPageInterpreter
from pdfminer.pdfpage import PDFPage
from pdfminer.pdftypes import PDFStream, resolve1
from pdfminer.psparser import PSLiteral
from pdfminer.utils import decode_text
from pdfplumber.page import Page, PDFPageAggregatorWithMarkedContent
from pdfplumber.utils.exceptions import PdfminerException

from . import COVER_GLYPH, Extracted, FileFinding, FormatError, Part

# pdfminer logs a warning for every glyph of a font it finds odd (a FontBBox it cannot parse: thousands
# a page in Chromium's PDFs); they say nothing to a reviewer and flood the terminal.
logging.getLogger("pdfminer").setLevel(logging.ERROR)

DARK = 0.3  # luminance below which a filled box hides the text under it
WHITE = 0.95  # luminance above which text on a white page is not seen
SAME_COLOUR = 0.05  # largest difference per RGB channel of colours a reader cannot tell apart
HALF = 0.5  # a character at least this much covered (or off the page) is not seen
TINY = 1.0  # points: text smaller than this is not seen either
INVISIBLE_MODES = (3, 7)  # text render modes that paint nothing
STROKE_MODES = (1, 5)  # text render modes that paint the outline only (stroke colour)

TOOL_KEYS = frozenset({"Producer", "Creator", "CreationDate", "ModDate", "Trapped", "PTEX.Fullbanner",
                       "GTS_PDFXVersion", "GTS_PDFXConformance", "GTS_PDFVersion", "PDFVersion"})
PLACEHOLDERS = frozenset({"untitled", "anonymous", "unspecified", "(unspecified)", "unknown", "none"})
DATE = re.compile(r"D:\d{4}(\d\d){0,5}([Z+-].*)?"  # a PDF date, and an ISO 8601 one (XMP's)
                  r"|\d{4}-\d\d(-\d\d([T ]\d\d:\d\d(:\d\d(\.\d+)?)?)?)?(Z|[+-]\d\d:?\d\d)?")
IDENTIFIER = re.compile(r"(uuid|xmp\.[id]id|adobe:docid)[:\w.-]*", re.IGNORECASE)
XMP_NAMESPACES = MappingProxyType({
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://ns.adobe.com/xap/1.0/": "xmp",
    "http://ns.adobe.com/pdf/1.3/": "pdf",
    "http://ns.adobe.com/xap/1.0/mm/": "xmpMM",
    "http://ns.adobe.com/xap/1.0/rights/": "xmpRights",
    "http://ns.adobe.com/photoshop/1.0/": "photoshop",
    "http://ns.adobe.com/pdfx/1.3/": "pdfx",
    "http://www.aiim.org/pdfa/ns/id/": "pdfaid",
    "http://www.aiim.org/pdfua/ns/id/": "pdfuaid",
    "http://www.aiim.org/pdfa/ns/extension/": "pdfaExtension",
    "http://ns.adobe.com/xap/1.0/t/pg/": "xmpTPg",
})
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XML = "http://www.w3.org/XML/1998/namespace"
# XMP properties that name tools, dates, formats and random identifiers, not the document's subject.
XMP_TOOL_PROPERTIES = frozenset({
    "xmp:CreatorTool", "xmp:CreateDate", "xmp:ModifyDate", "xmp:MetadataDate", "pdf:Producer",
    "pdf:PDFVersion", "pdf:Trapped", "dc:format", "photoshop:ColorMode", "photoshop:ICCProfile",
})
XMP_TOOL_SCHEMAS = frozenset({"xmpMM", "pdfaid", "pdfuaid", "pdfaExtension", "xmpTPg"})
LATIN_BEFORE_SPACE = frozenset(",.;:!?)]}'\"%")
CJK_RANGES = ((0x2E80, 0x303F), (0x3040, 0x31FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xAC00, 0xD7AF),
              (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF), (0x20000, 0x3FFFF))
# A gap wider than the line's usual one by this share of the font size is a space: TeX's tightest
# justified word space is 0.22 em; CJK text (evenly spaced, or with Word's CJK-Latin autospace of
# a quarter em) has no spaces, so only a gap of over half a character there is one.
WORD_GAP = 0.15
CJK_GAP = 0.6
BAND = 10.0  # points: height of the rows shapes are filed under, to find those over a character fast


def read(data: bytes) -> Extracted:
    """The text of a PDF's pages in reading order, the page and line each stretch comes from, and
    the findings of what the file holds besides (covered, hidden text, metadata, notes...)."""
    _check_complete(data)
    try:
        return _read(data)
    except FormatError:
        raise
    except Exception as error:  # pdfminer raises anything on a broken file; a reader must not
        raise FormatError(f"unreadable PDF: {_reason(error)}", status="unparseable") from error


# ---------------------------------------------------------------------------------------------
# Records


@dataclass(frozen=True, slots=True)
class _Shape:
    """A filled box or an image, in pdfplumber's page space (top from the page's top)."""

    x0: float
    top: float
    x1: float
    bottom: float
    drawn: int  # its place in the page's drawing order
    image: bool
    rgb: tuple[float, float, float] | None = None
    opaque: bool = True  # an image with a mask (a seal, a logo) shows what is under it around its strokes


@dataclass(frozen=True, slots=True)
class _Glyph:
    """A character as the reader sees it: ``cover`` is the kind of what hides it, '' when seen."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    cover: str = ""


@dataclass(frozen=True, slots=True)
class _Line:
    """A line of a page: its glyphs with the spaces between them, and where it stands."""

    page: int
    number: int
    units: tuple[_Glyph | str, ...]
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    first_word: float  # the width of its first word (a CJK character is a word)


@dataclass(frozen=True, slots=True)
class _Block:
    """Where a page's text runs: from ``left`` to ``right`` (None where its lines show no right edge)."""

    left: float
    right: float | None


@dataclass(frozen=True, slots=True)
class _PageRead:
    number: int
    lines: tuple[_Line, ...]
    block: _Block | None
    findings: tuple[FileFinding, ...]
    has_text: bool


# ---------------------------------------------------------------------------------------------
# Opening


def _check_complete(data: bytes) -> None:
    if b"%PDF-" not in data[:1024]:
        raise FormatError("not a PDF: the file does not start with %PDF-", status="unparseable")
    end = data.rfind(b"%%EOF")
    if end < 0:
        raise FormatError("truncated PDF: the file ends before its end-of-file marker (%%EOF)",
                          status="unparseable")
    if re.search(rb"\d+\s+\d+\s+obj\b|\bxref\b|\btrailer\b", data[end:]):
        raise FormatError("truncated PDF: its last update ends before its end-of-file marker (%%EOF)",
                          status="unparseable")


def _reason(error: BaseException) -> str:
    while isinstance(error, PdfminerException) and error.args and isinstance(error.args[0], BaseException):
        error = error.args[0]
    words = " ".join(str(error).split())
    message = "".join(character if character.isprintable() else "?" for character in words)[:200]
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


def _open(data: bytes) -> pdfplumber.PDF:
    try:
        return pdfplumber.open(io.BytesIO(data))
    except PdfminerException as error:
        cause = error.args[0] if error.args else error
        if isinstance(cause, PDFPasswordIncorrect):
            raise FormatError("password-protected PDF: it cannot be opened without its password",
                              status="encrypted") from error
        if isinstance(cause, PDFEncryptionError):
            raise FormatError(f"encrypted PDF that cannot be decrypted: {_reason(cause)}",
                              status="encrypted") from error
        raise


class _Aggregator(PDFPageAggregatorWithMarkedContent):
    """pdfplumber's page device that also marks every object with its place in the drawing order
    (what is drawn later lies on top) and every character with its text render mode."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._drawn = 0
        self._render_mode = 0

    def render_string(self, textstate, seq, ncs, graphicstate) -> None:  # type: ignore[override]
        self._render_mode = textstate.render
        super().render_string(textstate, seq, ncs, graphicstate)

    def tag_cur_item(self) -> None:
        super().tag_cur_item()
        fresh = []
        for item in reversed(self.cur_item._objs):
            if hasattr(item, "drawn"):
                break
            fresh.append(item)
        for item in reversed(fresh):
            item.drawn = self._drawn
            self._drawn += 1
            if isinstance(item, LTChar):
                item.render_mode = self._render_mode


class _Page(Page):
    """A pdfplumber page whose objects carry ``drawn`` and characters ``render_mode``."""

    @property
    def layout(self):  # type: ignore[override]
        if not hasattr(self, "_layout"):
            device = _Aggregator(self.pdf.rsrcmgr, pageno=self.page_number, laparams=self.pdf.laparams)
            PDFPageInterpreter(self.pdf.rsrcmgr, device).process_page(self.page_obj)
            self._layout = device.get_result()
        return self._layout

    def process_object(self, obj):  # type: ignore[override]
        attributes = super().process_object(obj)
        attributes["drawn"] = getattr(obj, "drawn", -1)
        if isinstance(obj, LTChar):
            attributes["render_mode"] = getattr(obj, "render_mode", 0)
        return attributes


def _read(data: bytes) -> Extracted:
    # Not pdf.close(): it would build every page anew just to close it; each page is closed as read.
    pdf = _open(data)
    pages = [_read_page(page) for page in _pages(pdf)]
    if not pages:
        raise FormatError("PDF without pages", status="unparseable")
    if not any(page.has_text for page in pages):
        raise FormatError("no text layer on any page (a scanned document?): OCR it, then audit the text",
                          status="no-text-layer")
    text, parts, covered = _joined(pages)
    page_findings = [finding for page in pages for finding in page.findings]
    document = (_info_findings(pdf.doc) + _xmp_findings(pdf.doc) + _embedded_file_findings(pdf.doc)
                + _revision_findings(data))
    return Extracted(text, parts, tuple(covered + page_findings + document))


def _pages(pdf: pdfplumber.PDF):
    """The pages one by one, each closed (its objects let go) once the caller is done with it."""
    for number, page_object in enumerate(PDFPage.create_pages(pdf.doc), start=1):
        page = _Page(pdf, page_object, page_number=number)
        try:
            yield page
        finally:
            page.close()


# ---------------------------------------------------------------------------------------------
# Colours


def _rgb(colour) -> tuple[float, float, float] | None:
    """A gray, RGB or CMYK colour as RGB; None for patterns, spot colours and the like."""
    if isinstance(colour, (int, float)):  # the graphics state's initial black comes as a bare 0
        colour = (colour,)
    if not isinstance(colour, (tuple, list)) or not colour:
        return None
    if not all(isinstance(value, (int, float)) and not isinstance(value, bool) for value in colour):
        return None
    values = [min(1.0, max(0.0, float(value))) for value in colour]
    if len(values) == 1:
        return values[0], values[0], values[0]
    if len(values) == 3:
        return values[0], values[1], values[2]
    if len(values) == 4:
        c, m, y, k = values
        return (1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k)
    return None


def _luminance(rgb: tuple[float, float, float]) -> float:
    red, green, blue = rgb
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def _dark(rgb: tuple[float, float, float] | None) -> bool:
    return rgb is not None and _luminance(rgb) < DARK


def _same(one: tuple[float, float, float] | None, other: tuple[float, float, float] | None) -> bool:
    return one is not None and other is not None and max(abs(a - b) for a, b in zip(one, other)) <= SAME_COLOUR


def _char_rgb(char: dict) -> tuple[float, float, float] | None:
    # A one-component Separation or Indexed colour is a tint or an index, not a gray.
    if char.get("ncs") in ("Separation", "DeviceN", "Indexed", "Pattern"):
        return None
    stroked = char.get("render_mode", 0) in STROKE_MODES
    return _rgb(char.get("stroking_color" if stroked else "non_stroking_color"))


# ---------------------------------------------------------------------------------------------
# A page


def _read_page(page: Page) -> _PageRead:
    chars = page.chars
    shapes = _shapes(page)
    states = [_state(char, _shapes_over(char, shapes), page.cropbox) for char in chars]
    glyphs = _dedupe(_Glyph(char["text"], char["x0"], char["x1"], char["top"], char["bottom"],
                            char.get("size") or char["bottom"] - char["top"], "" if state == "visible" else state)
                     for char, state in zip(chars, states) if state in ("visible", "under-box", "under-image"))
    # A page of hidden text only has a text layer too (its findings say what it hides); one of
    # (cid:N) has none: its lines are left out, as nothing in them could be audited.
    has_text = bool(chars) and not (glyphs and _undecoded(glyphs))
    lines = _lines(page.page_number, glyphs) if has_text else []
    findings = (_hidden_findings(page.page_number, chars, states) + _annotation_findings(page)
                + _text_layer_findings(page, chars, has_text))
    return _PageRead(page.page_number, tuple(lines), _block(lines, page.cropbox[0], page.cropbox[2]),
                     tuple(findings), has_text)


def _undecoded(glyphs: list[_Glyph]) -> bool:
    """Whether most characters are pdfminer's (cid:N): fonts without a map to Unicode."""
    return sum(glyph.text.startswith("(cid:") for glyph in glyphs) * 2 >= len(glyphs)


def _text_layer_findings(page: Page, chars: list[dict], has_text: bool) -> list[FileFinding]:
    if has_text or not (chars or page.images or page.rects or page.curves):  # a blank page hides nothing
        return []
    text = "its fonts map no character to Unicode: the text cannot be read" if chars else ""
    return [FileFinding("no-text-layer", "no-text-layer", f"page {page.page_number}", text)]


def _shapes(page: Page) -> dict[int, list[_Shape]]:
    """The page's filled boxes and images, filed under every row of BAND points they span."""
    shapes = [_Shape(rect["x0"], rect["top"], rect["x1"], rect["bottom"], rect["drawn"], False,
                     _rgb(rect.get("non_stroking_color")))
              for rect in page.rects if rect.get("fill")]
    shapes += [_Shape(image["x0"], image["top"], image["x1"], image["bottom"], image["drawn"], True,
                      opaque=_opaque(image))
               for image in page.images]
    rows: dict[int, list[_Shape]] = {}
    for shape in shapes:
        for row in range(int(shape.top // BAND), int(shape.bottom // BAND) + 1):
            rows.setdefault(row, []).append(shape)
    return rows


def _opaque(image: dict) -> bool:
    stream = image.get("stream")
    attributes = stream.attrs if isinstance(stream, PDFStream) else {}
    return not (image.get("imagemask") or "SMask" in attributes or "Mask" in attributes)


def _shapes_over(char: dict, rows: dict[int, list[_Shape]]) -> list[_Shape]:
    """The shapes covering at least half of ``char``, in drawing order."""
    middle = (char["top"] + char["bottom"]) / 2
    box = (char["x0"], char["top"], char["x1"], char["bottom"])
    over = [shape for shape in rows.get(int(middle // BAND), ())
            if _covered_share(box, (shape.x0, shape.top, shape.x1, shape.bottom)) >= HALF]
    return sorted(over, key=lambda shape: shape.drawn)


def _covered_share(box: tuple[float, float, float, float], cover: tuple[float, float, float, float]) -> float:
    """How much of ``box`` lies within ``cover`` (0 to 1); a box without area counts by its middle."""
    x0, top, x1, bottom = box
    width = max(0.0, min(x1, cover[2]) - max(x0, cover[0]))
    height = max(0.0, min(bottom, cover[3]) - max(top, cover[1]))
    area = (x1 - x0) * (bottom - top)
    if area <= 0:
        x, y = (x0 + x1) / 2, (top + bottom) / 2
        return float(cover[0] <= x <= cover[2] and cover[1] <= y <= cover[3])
    return width * height / area


def _state(char: dict, over: list[_Shape], page_box) -> str:
    """visible | under-box | under-image | invisible-text | off-page."""
    box = (char["x0"], char["top"], char["x1"], char["bottom"])
    if _covered_share(box, tuple(page_box)) < HALF:
        return "off-page"
    drawn = char.get("drawn", -1)
    if char.get("render_mode", 0) in INVISIBLE_MODES:
        # Invisible text over an image is a scan's OCR layer: the image shows that text.
        return "visible" if any(shape.image for shape in over) else "invisible-text"
    if char.get("size", TINY) < TINY:
        return "invisible-text"
    rgb = _char_rgb(char)
    # Without a drawing order (-1), a dark box over text is taken to lie on it: that is what a reader sees.
    on_top = [shape for shape in over if (shape.drawn > drawn or min(shape.drawn, drawn) < 0)
              and (shape.image and shape.opaque or _same(shape.rgb, rgb) or _dark(shape.rgb))]
    if on_top:
        return "under-image" if on_top[-1].image else "under-box"
    beneath = [shape for shape in over if 0 <= shape.drawn < drawn]
    background = beneath[-1] if beneath else None
    if background is not None and not background.image and _same(background.rgb, rgb):
        return "under-box"
    if rgb is not None and _luminance(rgb) > WHITE:
        seen_against = background is not None and (
            background.image or (background.rgb is not None and _luminance(background.rgb) <= WHITE))
        return "visible" if seen_against else "invisible-text"
    return "visible"


def _dedupe(glyphs) -> list[_Glyph]:
    """Without the copies of a character drawn again on itself (fake bold)."""
    seen: set[tuple[str, int, int]] = set()
    unique = []
    for glyph in glyphs:
        key = (glyph.text, round(glyph.x0), round(glyph.top))
        if key not in seen:
            seen.add(key)
            unique.append(glyph)
    return unique


# ---------------------------------------------------------------------------------------------
# Lines


def _is_cjk(character: str) -> bool:
    code = ord(character[0]) if character else 0
    return any(low <= code <= high for low, high in CJK_RANGES)


def _is_latin(character: str) -> bool:
    return bool(character) and not _is_cjk(character) and unicodedata.category(character[0])[0] in "LN"


def _rows(glyphs: list[_Glyph]) -> list[list[_Glyph]]:
    """Glyphs grouped into lines: a glyph joins the line whose tallest glyph it overlaps by half its height."""
    rows: list[list[_Glyph]] = []
    bands: list[tuple[float, float]] = []
    for glyph in sorted(glyphs, key=lambda glyph: (glyph.top + glyph.bottom) / 2):
        if bands:
            top, bottom = bands[-1]
            overlap = min(bottom, glyph.bottom) - max(top, glyph.top)
            if overlap >= HALF * min(bottom - top, glyph.bottom - glyph.top) and overlap > 0:
                rows[-1].append(glyph)
                if glyph.bottom - glyph.top > bottom - top:
                    bands[-1] = (glyph.top, glyph.bottom)
                continue
        rows.append([glyph])
        bands.append((glyph.top, glyph.bottom))
    return [sorted(row, key=lambda glyph: glyph.x0) for row in rows]


def _blank(unit: _Glyph | str) -> bool:
    return (unit.text if isinstance(unit, _Glyph) else unit).isspace() and not getattr(unit, "cover", "")


def _with_spaces(row: list[_Glyph]) -> list[_Glyph | str]:
    """The row's glyphs (its space characters as they are) with a space put where the gap between
    two others is wider than the line's usual gap (evenly spaced CJK gets none); none at the ends."""
    gaps = [b.x0 - a.x1 for a, b in zip(row, row[1:]) if not _blank(a) and not _blank(b)]
    usual = max(0.0, statistics.median(gaps)) if gaps else 0.0
    units: list[_Glyph | str] = []
    for glyph in row:
        previous = units[-1] if units else None
        if previous is not None and not _blank(previous) and not _blank(glyph) \
                and not (previous.cover and glyph.cover):
            cjk = _is_cjk(previous.text) or _is_cjk(glyph.text)
            if glyph.x0 - previous.x1 > usual + (CJK_GAP if cjk else WORD_GAP) * max(previous.size, glyph.size):
                units.append(" ")
        units.append(glyph)
    first = next((index for index, unit in enumerate(units) if not _blank(unit)), len(units))
    last = next((index for index in range(len(units) - 1, -1, -1) if not _blank(units[index])), -1)
    return units[first:last + 1]


def _first_word(units: list[_Glyph | str]) -> float:
    glyphs = []
    for unit in units:
        if not isinstance(unit, _Glyph) or (glyphs and not (_is_latin(unit.text) and _is_latin(glyphs[-1].text))):
            break
        glyphs.append(unit)
    return glyphs[-1].x1 - glyphs[0].x0 if glyphs else 0.0


def _lines(page: int, glyphs: list[_Glyph]) -> list[_Line]:
    rows = [units for units in (_with_spaces(row) for row in _rows(glyphs)) if units]
    shown = [[unit for unit in units if isinstance(unit, _Glyph)] for units in rows]
    return [_Line(page, number, tuple(units), row[0].x0, row[-1].x1, min(g.top for g in row),
                  max(g.bottom for g in row), statistics.median(g.size for g in row), _first_word(units))
            for number, (units, row) in enumerate(zip(rows, shown), start=1)]


def _block(lines: list[_Line], page_left: float, page_right: float) -> _Block | None:
    """The page's text block. Its right edge is the longest line's end only where that leaves a
    right margin about as wide as the left one: a page of short lines has no edge to run to."""
    if not lines:
        return None
    left = min(line.x0 for line in lines)
    right = max(line.x1 for line in lines)
    size = statistics.median(line.size for line in lines)
    margins_match = page_right - right <= 1.5 * (left - page_left) + 2 * size
    return _Block(left, right if margins_match else None)


def _blocks(pages: list[_PageRead]) -> dict[int, _Block]:
    """Each page's block; one without a right edge of its own (the last, half-empty page) takes the page before's."""
    blocks: dict[int, _Block] = {}
    previous: _Block | None = None
    for page in pages:
        if page.block is None:
            continue
        block = page.block
        if block.right is None and previous is not None and previous.right is not None:
            block = _Block(block.left, previous.right)
        blocks[page.number] = previous = block
    return blocks


def _continues(previous: _Line, line: _Line, blocks: dict[int, _Block]) -> bool:
    """Whether ``line`` goes on with ``previous``'s paragraph: ``previous`` runs to the right edge of
    its text block (the next word would not have fitted after it), ``line`` is not indented (on a
    new page: against the page before's block, as a page of one indented line has no left of its
    own) and does not stand apart."""
    block = blocks[previous.page]
    if block.right is None:
        return False
    tolerance = HALF * line.size
    full = block.right - previous.x1 < line.first_word + tolerance
    left = block.left if previous.page != line.page else blocks[line.page].left
    flush = line.x0 - left <= tolerance
    close = previous.page != line.page or line.top - previous.bottom <= line.size
    return full and flush and close


def _joiner(previous: _Line, line: _Line) -> str:
    """One space between two lines of a paragraph where a Latin word or number ends one (or
    ends it with a comma or a stop after it) and one starts the next; CJK runs on without one."""
    last, first = previous.units[-1], line.units[0]
    if not isinstance(last, _Glyph) or not isinstance(first, _Glyph) or (last.cover and first.cover):
        return ""
    before = previous.units[-2] if len(previous.units) > 1 else None
    after_latin = isinstance(before, _Glyph) and _is_latin(before.text[-1:])
    latin_end = _is_latin(last.text[-1:]) or (last.text[-1:] in LATIN_BEFORE_SPACE and after_latin)
    return " " if latin_end and _is_latin(first.text[:1]) else ""


def _joined(pages: list[_PageRead]) -> tuple[str, tuple[Part, ...], list[FileFinding]]:
    """The pages' lines as text: a paragraph a line, a part where each paragraph and each page starts,
    and one finding per run of covered characters (their masks' offsets, their real text)."""
    blocks = _blocks(pages)
    lines = [line for page in pages for line in page.lines]
    pieces: list[str] = []
    parts: list[Part] = []
    runs: list[tuple[int, list[_Glyph], int]] = []  # start, glyphs, page
    offset = 0
    previous: _Line | None = None
    for line in lines:
        if previous is not None:
            separator = _joiner(previous, line) if _continues(previous, line, blocks) else "\n"
            pieces.append(separator)
            offset += len(separator)
        if previous is None or separator == "\n" or previous.page != line.page:
            parts.append(Part(offset, "page", number=line.page, line=line.number))
        for unit in line.units:
            if isinstance(unit, _Glyph) and unit.cover:
                last = runs[-1] if runs else None
                if last is not None and last[0] + len(last[1]) == offset and last[1][-1].cover == unit.cover:
                    last[1].append(unit)
                else:
                    runs.append((offset, [unit], line.page))
                pieces.append(COVER_GLYPH)
                offset += 1
            else:
                text = unit.text if isinstance(unit, _Glyph) else unit
                pieces.append(text)
                offset += len(text)
        previous = line
    covered = [FileFinding("covered-text", glyphs[0].cover, _at(page, glyphs[0].x0, glyphs[0].top),
                           "".join(glyph.text for glyph in glyphs), start, start + len(glyphs))
               for start, glyphs, page in runs]
    return "".join(pieces), tuple(parts), covered


# ---------------------------------------------------------------------------------------------
# Hidden text and annotations


def _at(page: int, x: float, top: float) -> str:
    """Where on a page: ``page 2 at (72, 540)``, from the page's left and top, in points."""
    return f"page {page} at ({x:.0f}, {top:.0f})"


def _hidden_findings(page: int, chars: list[dict], states: list[str]) -> list[FileFinding]:
    """One finding per run of hidden characters drawn one after another (no seen character between)."""
    findings = []
    run: list[dict] = []
    kind = ""
    for char, state in [*zip(chars, states), (None, "")]:
        if state == kind and char is not None:
            run.append(char)
            continue
        if run:
            findings.append(FileFinding("hidden-text", kind, _at(page, run[0]["x0"], run[0]["top"]), _run_text(run)))
        run, kind = ([char], state) if state in ("invisible-text", "off-page") else ([], "")
    return findings


def _run_text(chars: list[dict]) -> str:
    text = chars[0]["text"]
    for previous, char in zip(chars, chars[1:]):
        new_line = abs(char["top"] - previous["top"]) > HALF * max(char["bottom"] - char["top"], 1)
        if new_line and _is_latin(previous["text"][-1:]) and _is_latin(char["text"][:1]):
            text += " "
        text += char["text"]
    return text.strip()


def _annotation_findings(page: Page) -> list[FileFinding]:
    findings = []
    mediabox = [float(value) for value in resolve1(page.page_obj.mediabox)]
    for annotation in resolve1(page.page_obj.annots) or []:
        annotation = resolve1(annotation)
        if not isinstance(annotation, dict):
            continue
        subtype = _name(annotation.get("Subtype"))
        if subtype == "Popup":  # the window of its parent's note, whose text is reported there
            continue
        where = _annotation_at(page.page_number, annotation.get("Rect"), mediabox)
        if subtype == "FileAttachment":
            findings.append(FileFinding("attachments", "attachment", where, _file_name(annotation.get("FS"))))
        contents = _text(annotation.get("Contents")) or _without_tags(_text(annotation.get("RC")))
        author = "" if subtype in ("Widget", "Link") else _text(annotation.get("T"))
        if contents and author:
            findings.append(FileFinding("comments", "annotation", f"{where}, by {author}", contents))
        elif contents or author:
            findings.append(FileFinding("comments", "annotation", where, contents or author))
    return findings


def _annotation_at(page: int, rect, mediabox: list[float]) -> str:
    """Where an annotation's /Rect (PDF space, from the bottom) puts its top left corner."""
    try:
        corners = [float(resolve1(value)) for value in resolve1(rect)]
        return _at(page, min(corners[0::2]) - mediabox[0], mediabox[3] - max(corners[1::2]))
    except (TypeError, ValueError, IndexError):
        return f"page {page}"


def _without_tags(markup: str) -> str:
    return " ".join(re.sub(r"<[^>]*>", " ", markup).split())


def _file_name(spec) -> str:
    spec = resolve1(spec)
    if isinstance(spec, dict):
        for key in ("UF", "F", "Unix", "DOS", "Mac"):
            name = _text(spec.get(key))
            if name:
                return name
        return ""
    return _text(spec)


# ---------------------------------------------------------------------------------------------
# PDF values


def _name(value) -> str:
    value = resolve1(value)
    return value.name if isinstance(value, PSLiteral) else ""


def _text(value, depth: int = 0) -> str:
    """A PDF value as text: strings decoded, names and numbers as written, arrays joined."""
    value = resolve1(value)
    if isinstance(value, bytes):
        return _decoded(value)
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, PSLiteral):
        return str(value.name)
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, PDFStream):
        return _decoded(value.get_data())
    if isinstance(value, list) and depth < 4:
        return "; ".join(text for text in (_text(item, depth + 1) for item in value) if text)
    return ""


def _decoded(raw: bytes) -> str:
    """A PDF string: UTF-16 with its byte order mark, UTF-8 with one (PDF 2.0), else PDFDocEncoding,
    and the GB 18030 bytes some Chinese tools write without any mark."""
    if raw.startswith(b"\xfe\xff"):
        text = raw[2:].decode("utf-16-be", "replace")
    elif raw.startswith(b"\xff\xfe"):
        text = raw[2:].decode("utf-16-le", "replace")
    elif raw.startswith(b"\xef\xbb\xbf"):
        text = raw[3:].decode("utf-8", "replace")
    else:
        text = _undeclared(raw)
    return text.replace("\x00", "").strip()


def _undeclared(raw: bytes) -> str:
    if raw.isascii():
        return raw.decode("ascii")
    for encoding in ("utf-8", "gb18030"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8" or any(_is_cjk(character) for character in text):
            return text
    return decode_text(raw)


def _identifying(text: str) -> bool:
    """Whether a metadata value says something: not empty, not a date, an identifier or a tool's placeholder."""
    return bool(text) and text.lower() not in PLACEHOLDERS and not DATE.fullmatch(text) \
        and not IDENTIFIER.fullmatch(text)


# ---------------------------------------------------------------------------------------------
# The document: information, XMP, attached files, revisions


def _info_findings(document) -> list[FileFinding]:
    """The information dictionaries' identifying entries: the current one's, then those that only
    earlier revisions' trailers still name (an incremental update keeps them in the file)."""
    seen: set[tuple[str, str]] = set()
    findings = []
    for number, info in enumerate(_infos(document)):
        place = "document information" if number == 0 else "earlier revision's document information"
        for key, value in info.items():
            key = key if isinstance(key, str) else _text(key)
            text = _text(value)
            if key in TOOL_KEYS or not _identifying(text) or (key, text) in seen:
                continue
            seen.add((key, text))
            findings.append(FileFinding("metadata", "info", f"{place} {key}", text))
    return findings


def _infos(document) -> list[dict]:
    """The information dictionaries the trailers name, newest first (pdfminer keeps the newest only)."""
    infos: list[dict] = []
    for xref in document.xrefs:
        info = resolve1((xref.get_trailer() or {}).get("Info"))
        if isinstance(info, dict) and all(info is not known for known in infos):
            infos.append(info)
    return infos


def _xmp_findings(document) -> list[FileFinding]:
    stream = resolve1(document.catalog.get("Metadata"))
    if not isinstance(stream, PDFStream):
        return []
    packet = stream.get_data()
    if b"<!DOCTYPE" in packet or b"<!ENTITY" in packet:
        return _xmp_unparsed(packet)  # a DTD has no business in XMP: read no entity of it
    try:
        root = ElementTree.fromstring(packet)
    except ElementTree.ParseError:
        return _xmp_unparsed(packet)
    prefixes = {**{uri.decode("utf-8", "replace"): prefix.decode()
                   for prefix, uri in re.findall(rb'xmlns:([\w.-]+)\s*=\s*["\']([^"\']*)["\']', packet)},
                **XMP_NAMESPACES}
    findings = []
    seen: set[tuple[str, str]] = set()
    descriptions = [description for rdf in root.iter(f"{{{RDF}}}RDF") for description in rdf
                    if description.tag == f"{{{RDF}}}Description"]
    for description in descriptions:
        properties = [(name, " ".join(value.split())) for name, value in description.attrib.items()
                      if not name.startswith((f"{{{RDF}}}", f"{{{XML}}}"))]
        properties += [(child.tag, _xmp_value(child)) for child in description]
        for tag, value in properties:
            name = _qualified(tag, prefixes)
            if name in XMP_TOOL_PROPERTIES or name.split(":")[0] in XMP_TOOL_SCHEMAS or not _identifying(value):
                continue
            if (name, value) not in seen:
                seen.add((name, value))
                findings.append(FileFinding("metadata", "xmp", f"XMP {name}", value))
    return findings


def _qualified(tag: str, prefixes: dict[str, str]) -> str:
    if not tag.startswith("{"):
        return tag
    uri, _, local = tag[1:].partition("}")
    return f"{prefixes.get(uri, uri)}:{local}"


def _xmp_value(element: ElementTree.Element) -> str:
    """A property's text: its own, or its list items' (rdf:Seq, rdf:Bag, rdf:Alt), distinct, joined."""
    texts = []
    for node in element.iter():
        text = " ".join((node.text or "").split())
        if text and text not in texts and _identifying(text):
            texts.append(text)
    return "; ".join(texts)


def _xmp_unparsed(packet: bytes) -> list[FileFinding]:
    texts = [" ".join(text.split()) for text in re.findall(r">([^<]+)<", packet.decode("utf-8", "replace"))]
    text = "; ".join(text for text in texts if _identifying(text))
    return [FileFinding("metadata", "xmp", "XMP", text)] if text else []


def _embedded_file_findings(document) -> list[FileFinding]:
    names = resolve1(document.catalog.get("Names"))
    tree = resolve1(names.get("EmbeddedFiles")) if isinstance(names, dict) else None
    return [FileFinding("attachments", "attachment", "document embedded files", name)
            for name in _name_tree_files(tree, 0) if name]


def _name_tree_files(node, depth: int) -> list[str]:
    """The file names in an /EmbeddedFiles name tree (its /Names pairs, its /Kids' below)."""
    node = resolve1(node)
    if not isinstance(node, dict) or depth > 16:
        return []
    pairs = resolve1(node.get("Names")) or []
    files = [_file_name(spec) or _text(key) for key, spec in zip(pairs[0::2], pairs[1::2])]
    for kid in resolve1(node.get("Kids")) or []:
        files += _name_tree_files(kid, depth + 1)
    return files


def _revision_findings(data: bytes) -> list[FileFinding]:
    """Each revision ends in startxref, its offset and %%EOF; a linearized file has one more, by design."""
    revisions = len(re.findall(rb"startxref\s+\d+\s+%%EOF", data))
    if b"/Linearized" in data[:1024]:
        revisions -= 1
    if revisions <= 1:
        return []
    return [FileFinding("earlier-revisions", "incremental-update", "file", f"{revisions} revisions")]

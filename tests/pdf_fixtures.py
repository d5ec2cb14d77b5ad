"""PDFs made with reportlab for the PDF reader's tests: plain text, and one file per leak kind.

Chinese is set in reportlab's built-in CID font STSong-Light (no font file needed). Every
builder returns the file's bytes; the leak builders put their sentence at known places
(:data:`LEFT`, :data:`BASELINE`) so a test can name the page position a finding must give.
"""
from __future__ import annotations

import io
import re

from pdfminer.cmapdb import CMapDB
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.pdfdoc import XMP, PDFArray, PDFDictionary, PDFName, PDFStream, PDFString
from reportlab.pdfgen.canvas import Canvas

FONT = "STSong-Light"
SIZE = 12
LEADING = 18
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 72
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN
INDENT = 2 * SIZE  # a paragraph's first line is indented two characters

LEFT = MARGIN  # where a leak builder's sentence starts
BASELINE = PAGE_HEIGHT - 100  # its baseline (PDF space: from the page's bottom)

# Sentences of the redacted reports the builders hide things in.
SENTENCE = "×市位于山西省北部，下辖崞阳镇、轩岗镇。"
SENTENCE_BEFORE_BOX = "×市位于山西省北部，下辖"
UNDER_BOX = "崞阳镇"
SECOND_SENTENCE = "全年地区生产总值完成×亿元，同比增长×%。"
HIDDEN_SENTENCE = "联系人：张建国，电话13912345678"
NOTE = "此处原文为崞阳镇，已删去"
FIRST_TITLE = "崞阳镇人民政府2021年工作报告"
XMP_PACKET = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"
      xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
      xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
      xmp:CreatorTool="WPS 文字" xmp:CreateDate="2022-01-05T09:30:00+08:00"
      xmpMM:DocumentID="uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427" pdf:Keywords="崞阳镇；轩岗镇">
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">原平市2021年政府工作报告</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>张建国</rdf:li><rdf:li>崞阳镇人民政府</rdf:li></rdf:Seq></dc:creator>
   <pdf:Producer>WPS PDF</pdf:Producer>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""


def drawable(text: str) -> str:
    """``text`` without the characters STSong-Light's CMap (UniGB-UCS2-H) has no glyph for, such as
    U+00B7 ·: reportlab writes them, but no PDF reader (and no viewer) gets a character back."""
    cmap = CMapDB.get_cmap("UniGB-UCS2-H")
    return "".join(character for character in text
                   if any(True for _ in cmap.decode(character.encode("utf-16-be"))))


def _register_font() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def width(text: str) -> float:
    """The width of ``text`` set in the builders' font and size."""
    _register_font()
    return pdfmetrics.stringWidth(text, FONT, SIZE)


def _canvas(buffer: io.BytesIO, **options) -> Canvas:
    """A canvas with the font set and no document information unless given (reportlab's
    defaults, "untitled", "anonymous", would be metadata of their own)."""
    _register_font()
    metadata = {key: options.pop(key, "") for key in ("title", "author", "subject", "keywords")}
    canvas = Canvas(buffer, pagesize=A4, invariant=1, **options)
    canvas.setTitle(metadata["title"])
    canvas.setAuthor(metadata["author"])
    canvas.setSubject(metadata["subject"])
    canvas.setKeywords(metadata["keywords"])
    canvas.setFont(FONT, SIZE)
    return canvas


def _saved(canvas: Canvas, buffer: io.BytesIO) -> bytes:
    canvas.save()
    return buffer.getvalue()


def _tokens(paragraph: str) -> list[str]:
    """Latin words and numbers (with their inner . , : / % -) whole; every other character alone."""
    return re.findall(r"[A-Za-z0-9]+(?:[.,:/%\-][A-Za-z0-9]+)*|\s+|.", paragraph.strip())


def wrap(paragraph: str, first_width: float = TEXT_WIDTH - INDENT, rest_width: float = TEXT_WIDTH) -> list[str]:
    """``paragraph`` broken into lines that fit: characters one by one, Latin words whole
    (a word longer than a line is broken too); spaces kept as they are but at a break."""
    lines: list[str] = []
    line = ""
    for token in _tokens(paragraph):
        available = rest_width if lines else first_width
        if token.isspace():
            line = line + token if line else line
            continue
        if width(line + token) <= available:
            line += token
            continue
        if line.strip():
            lines.append(line.rstrip())
            line = ""
            available = rest_width
        for character in token if width(token) > available else [token]:
            if width(line + character) > available and line:
                lines.append(line)
                line = ""
            line += character
    if line.strip():
        lines.append(line.rstrip())
    return lines


def text_pdf(paragraphs: list[str], **metadata: str) -> bytes:
    """A4 pages of ``paragraphs`` wrapped to the text width, first lines indented two
    characters, as many pages as needed; document information (title, author, subject,
    keywords) only as given. Characters the font cannot show are left out (see :func:`drawable`):
    reportlab would write them, and the wrapping would count a width no reader sees."""
    buffer = io.BytesIO()
    canvas = _canvas(buffer, **metadata)
    y = PAGE_HEIGHT - MARGIN - SIZE
    for paragraph in paragraphs:
        for number, line in enumerate(wrap(drawable(paragraph))):
            if y < MARGIN:
                canvas.showPage()
                canvas.setFont(FONT, SIZE)
                y = PAGE_HEIGHT - MARGIN - SIZE
            canvas.drawString(MARGIN + (INDENT if number == 0 else 0), y, line)
            y -= LEADING
    return _saved(canvas, buffer)


def _sentence_pdf(draw=None, *, text: str = SENTENCE, **options) -> bytes:
    """One page with ``text`` at (LEFT, BASELINE), then whatever ``draw(canvas)`` adds."""
    buffer = io.BytesIO()
    canvas = _canvas(buffer, **options)
    canvas.drawString(LEFT, BASELINE, text)
    if draw is not None:
        draw(canvas)
    return _saved(canvas, buffer)


def _box_over(text_before: str, text: str) -> tuple[float, float, float, float]:
    """x, y, width, height of a box over ``text`` set right after ``text_before`` on the sentence's line."""
    return LEFT + width(text_before), BASELINE - 3, width(text), SIZE + 4


def black_box_pdf() -> bytes:
    """The sentence with a black box drawn over 崞阳镇 (the text is still under it)."""

    def draw(canvas: Canvas) -> None:
        canvas.setFillColorRGB(0, 0, 0)
        canvas.rect(*_box_over(SENTENCE_BEFORE_BOX, UNDER_BOX), stroke=0, fill=1)

    return _sentence_pdf(draw)


def cmyk_box_pdf() -> bytes:
    """The sentence with a dark CMYK-coloured box (rich black) over 崞阳镇."""

    def draw(canvas: Canvas) -> None:
        canvas.setFillColorCMYK(0.6, 0.4, 0.4, 1)
        canvas.rect(*_box_over(SENTENCE_BEFORE_BOX, UNDER_BOX), stroke=0, fill=1)

    return _sentence_pdf(draw)


def light_box_pdf() -> bytes:
    """The sentence with a pale yellow box (a highlight, not a cover) over 崞阳镇."""

    def draw(canvas: Canvas) -> None:
        canvas.setFillColorRGB(1, 1, 0.6)
        canvas.rect(*_box_over(SENTENCE_BEFORE_BOX, UNDER_BOX), stroke=0, fill=1)

    return _sentence_pdf(draw)


def _gray_image(shade: int = 40, size: tuple[int, int] = (60, 16)) -> ImageReader:
    return ImageReader(Image.new("RGB", size, (shade, shade, shade)))


def image_over_text_pdf() -> bytes:
    """The sentence with an image placed over 崞阳镇."""

    def draw(canvas: Canvas) -> None:
        x, y, w, h = _box_over(SENTENCE_BEFORE_BOX, UNDER_BOX)
        canvas.drawImage(_gray_image(), x, y, w, h)

    return _sentence_pdf(draw)


def seal_over_text_pdf() -> bytes:
    """The sentence with a red seal (an image with a transparent background) stamped over its end."""

    def draw(canvas: Canvas) -> None:
        seal = Image.new("RGBA", (60, 60), (0, 0, 0, 0))
        for x in range(60):
            seal.putpixel((x, 30), (220, 0, 0, 255))
        x, y, w, h = _box_over(SENTENCE_BEFORE_BOX, UNDER_BOX)
        canvas.drawImage(ImageReader(seal), x, y - 20, 60, 60, mask="auto")

    return _sentence_pdf(draw)


def _second_line(canvas: Canvas, text: str = HIDDEN_SENTENCE, x: float = LEFT, y: float = BASELINE - LEADING,
                 render_mode: int = 0) -> None:
    line = canvas.beginText(x, y)
    line.setFont(FONT, SIZE)
    line.setTextRenderMode(render_mode)
    line.textOut(text)
    canvas.drawText(line)


def black_highlight_pdf() -> bytes:
    """The sentence, 崞阳镇 in black on a black box drawn before it (Word's black highlighting)."""
    buffer = io.BytesIO()
    canvas = _canvas(buffer)
    canvas.rect(*_box_over(SENTENCE_BEFORE_BOX, UNDER_BOX), stroke=0, fill=1)
    canvas.drawString(LEFT, BASELINE, SENTENCE)
    return _saved(canvas, buffer)


def spaced_text_pdf() -> bytes:
    """A title set with half a character's spacing between its characters, and a line with a
    wide gap between two words (a heading's number and its title)."""

    def draw(canvas: Canvas) -> None:
        title = canvas.beginText(LEFT, BASELINE - LEADING)
        title.setFont(FONT, SIZE)
        title.setCharSpace(SIZE / 2)
        title.textOut("政府工作报告")
        canvas.drawText(title)
        canvas.drawString(LEFT, BASELINE - 2 * LEADING, "第一章")
        canvas.drawString(LEFT + width("第一章") + 4 * SIZE, BASELINE - 2 * LEADING, "总则")

    return _sentence_pdf(draw)


def gb18030_title_pdf() -> bytes:
    """A plain page whose title is written in GB 18030 bytes without any mark (as some Chinese tools do)."""
    return text_pdf([SECOND_SENTENCE], title=PDFString("崞阳镇工作报告".encode("gb18030"), enc="raw"))


def white_text_pdf() -> bytes:
    """The sentence, and under it a line in white on the white page."""

    def draw(canvas: Canvas) -> None:
        canvas.setFillColorRGB(1, 1, 1)
        _second_line(canvas)

    return _sentence_pdf(draw)


def white_on_black_pdf() -> bytes:
    """The sentence, and under it a line in white on a black band: visible, hides nothing."""

    def draw(canvas: Canvas) -> None:
        y = BASELINE - LEADING
        canvas.setFillColorRGB(0, 0, 0)
        canvas.rect(LEFT - 2, y - 4, width(HIDDEN_SENTENCE) + 4, SIZE + 6, stroke=0, fill=1)
        canvas.setFillColorRGB(1, 1, 1)
        _second_line(canvas)

    return _sentence_pdf(draw)


def invisible_text_pdf() -> bytes:
    """The sentence, and under it a line in text render mode 3 (neither filled nor stroked)."""
    return _sentence_pdf(lambda canvas: _second_line(canvas, render_mode=3))


def ocr_layer_pdf() -> bytes:
    """A scanned page as OCR software leaves it: an image of the page, the recognised text
    invisible over it."""
    buffer = io.BytesIO()
    canvas = _canvas(buffer)
    canvas.drawImage(_gray_image(230, (200, 60)), LEFT - 10, BASELINE - 40, 450, 60)
    _second_line(canvas, text=SECOND_SENTENCE, y=BASELINE, render_mode=3)
    return _saved(canvas, buffer)


def off_page_pdf() -> bytes:
    """The sentence, and a line set to the left of the page, where no reader sees it."""
    return _sentence_pdf(lambda canvas: _second_line(canvas, x=-400))


def info_metadata_pdf() -> bytes:
    """A plain page whose document information names a place and a person."""
    return text_pdf([SENTENCE.replace("崞阳镇", "×镇")], title=FIRST_TITLE,
                    author="张建国", subject="崞阳镇、轩岗镇", keywords="原平市")


def xmp_metadata_pdf() -> bytes:
    """A plain page with an XMP metadata stream (title, creators, keywords; tool names and dates too)."""
    buffer = io.BytesIO()
    canvas = _canvas(buffer)
    canvas._doc.Catalog.Metadata = XMP(creator=lambda doc: XMP_PACKET.encode("utf-8"))
    canvas.drawString(LEFT, BASELINE, SECOND_SENTENCE)
    return _saved(canvas, buffer)


def annotation_pdf() -> bytes:
    """The sentence with a note on it by 张建国."""

    def draw(canvas: Canvas) -> None:
        canvas.textAnnotation(NOTE, Rect=(300, 700, 320, 720), T=PDFString("张建国"))

    return _sentence_pdf(draw, text=SENTENCE.replace("崞阳镇", "×镇"))


def _file_spec(canvas: Canvas, name: str, content: bytes) -> PDFDictionary:
    stream = PDFStream(PDFDictionary({"Type": PDFName("EmbeddedFile")}), content)
    return PDFDictionary({"Type": PDFName("Filespec"), "F": PDFString(name), "UF": PDFString(name),
                          "EF": PDFDictionary({"F": canvas._doc.Reference(stream)})})


def attachment_pdf() -> bytes:
    """A page with a file attached by an annotation (崞阳镇名单.xlsx) and a file attached to the
    document (户籍名单.csv, in the catalog's /Names /EmbeddedFiles)."""
    buffer = io.BytesIO()
    canvas = _canvas(buffer)
    canvas.drawString(LEFT, BASELINE, SECOND_SENTENCE)
    annotation = PDFDictionary({"Type": PDFName("Annot"), "Subtype": PDFName("FileAttachment"),
                                "Rect": PDFArray([400, 700, 420, 720]),
                                "FS": _file_spec(canvas, "崞阳镇名单.xlsx", b"name,town\n")})
    canvas._addAnnotation(annotation)
    names = PDFArray([PDFString("户籍名单.csv"),
                      canvas._doc.Reference(_file_spec(canvas, "户籍名单.csv", b"id,name\n"))])
    canvas._doc.Catalog.Names = PDFDictionary({"EmbeddedFiles": PDFDictionary({"Names": names})})
    return _saved(canvas, buffer)


def incremental_update_pdf() -> bytes:
    """A plain page titled 崞阳镇…, then an incremental update (a new information dictionary,
    an xref section, a trailer with /Prev, startxref, %%EOF) that retitles it: the earlier
    title is still in the file."""
    original = text_pdf([SECOND_SENTENCE], title=FIRST_TITLE)
    size = int(re.search(rb"/Size (\d+)", original).group(1))
    root = re.search(rb"/Root (\d+ \d+ R)", original).group(1)
    previous = int(re.findall(rb"startxref\s+(\d+)", original)[-1])
    offset = len(original)
    update = f"{size} 0 obj\n<< /Title (Work report) >>\nendobj\n".encode()
    xref_at = offset + len(update)
    update += (f"xref\n{size} 1\n{offset:010d} 00000 n \ntrailer\n"
               f"<< /Size {size + 1} /Root {root.decode()} /Info {size} 0 R /Prev {previous} >>\n"
               f"startxref\n{xref_at}\n%%EOF\n").encode()
    return original + update


def _image_page(canvas: Canvas) -> None:
    canvas.drawImage(_gray_image(200, (100, 140)), MARGIN, MARGIN, TEXT_WIDTH, PAGE_HEIGHT - 2 * MARGIN)


def image_page_pdf() -> bytes:
    """Page 1 text, page 2 only an image (a scanned page without a text layer)."""
    buffer = io.BytesIO()
    canvas = _canvas(buffer)
    canvas.drawString(LEFT, BASELINE, SECOND_SENTENCE)
    canvas.showPage()
    _image_page(canvas)
    return _saved(canvas, buffer)


def image_only_pdf() -> bytes:
    """Two pages, each only an image: a scan without OCR."""
    buffer = io.BytesIO()
    canvas = _canvas(buffer)
    _image_page(canvas)
    canvas.showPage()
    _image_page(canvas)
    return _saved(canvas, buffer)


def _hand_written(objects: list[bytes], linearized: bool) -> bytes:
    """A PDF of ``objects`` (object 1 the catalog) written out by hand; ``linearized`` puts a
    linearization dictionary first, with the first-page section (its own xref, trailer,
    startxref and %%EOF) that a linearized file has before its main one."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = {}
    first = len(objects) + 1
    if linearized:
        offsets[first] = len(out)
        out += f"{first} 0 obj\n<< /Linearized 1 >>\nendobj\n".encode()
        section = len(out)
        out += (f"xref\n{first} 1\n{offsets[first]:010d} 00000 n \ntrailer\n<< /Size {first + 1} /Root 1 0 R >>\n"
                f"startxref\n{section}\n%%EOF\n").encode()
    for number, body in enumerate(objects, start=1):
        offsets[number] = len(out)
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {first + 1}\n0000000000 65535 f \n".encode()
    for number in range(1, first + 1):
        out += f"{offsets.get(number, 0):010d} 00000 {'n' if number in offsets else 'f'} \n".encode()
    out += f"trailer\n<< /Size {first + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def linearized_pdf() -> bytes:
    """A one-page file laid out as a linearized one: two startxref/%%EOF sections, one revision."""
    content = b"BT /F1 12 Tf 72 700 Td (Yuanping county report) Tj ET"
    return _hand_written([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ], linearized=True)


def undecodable_pdf() -> bytes:
    """Page 1 a line in Helvetica; page 2 a line in a font (Identity-H, no /ToUnicode) that maps no
    character code to Unicode: its text layer says nothing a reader could audit."""
    readable = b"BT /F1 12 Tf 72 700 Td (Yuanping county report) Tj ET"
    unreadable = b"BT /F2 12 Tf 72 700 Td <0041004200430044> Tj ET"
    font = (b"<< /Type /Font /Subtype /Type0 /BaseFont /Song /Encoding /Identity-H /DescendantFonts"
            b" [<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Song /DW 1000"
            b" /FontDescriptor << /Type /FontDescriptor /FontName /Song /Flags 4 /FontBBox [0 -120 1000 880]"
            b" /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>"
            b" /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> >>] >>")
    return _hand_written([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 5 0 R"
        b" /Resources << /Font << /F1 7 0 R >> >> >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 6 0 R"
        b" /Resources << /Font << /F2 8 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(readable) + readable + b"\nendstream",
        b"<< /Length %d >>\nstream\n" % len(unreadable) + unreadable + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        font,
    ], linearized=False)


def encrypted_pdf() -> bytes:
    """The sentence, encrypted with a user password: it cannot be opened without it."""
    buffer = io.BytesIO()
    canvas = _canvas(buffer, encrypt="secret")
    canvas.drawString(LEFT, BASELINE, SECOND_SENTENCE)
    return _saved(canvas, buffer)


def truncated_pdf(fraction: float) -> bytes:
    """A two-page document cut after ``fraction`` of its bytes."""
    whole = text_pdf([SENTENCE] * 60)
    return whole[: int(len(whole) * fraction)]

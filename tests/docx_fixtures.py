"""Word documents for the .docx reader's tests, built with python-docx (raw
WordprocessingML where python-docx has no API), one builder per leak kind.
Each returns the file's bytes; the sentences are from redacted reports."""
from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from typing import Callable, Mapping
from xml.sax.saxutils import escape

import docx
from docx.document import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_COLOR_INDEX
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from lxml import etree

Step = Callable[[Document], None]

CLEARED_CORE_PROPERTIES = ("author", "category", "comments", "content_status", "identifier", "keywords",
                           "language", "last_modified_by", "subject", "title", "version")
W_NS = nsdecls("w")
DRAWING_NS = " ".join([nsdecls("w", "wp", "a"), *(f'xmlns:{prefix}="{uri}"' for prefix, uri in (
    ("mc", "http://schemas.openxmlformats.org/markup-compatibility/2006"),
    ("wps", "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"),
    ("v", "urn:schemas-microsoft-com:vml")))])
FOOTNOTE_REFERENCE = (f'<w:r {W_NS}><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
                      '<w:{kind}Reference w:id="1"/></w:r>')

# What each builder hides, for the tests to compare against.
HIGHLIGHTED = "崞阳镇"
DELETED = "原平市"
INSERTED = "×市"
COMMENT_TEXT = "此处原为忻州市原平市"
HEADER_TEXT = "原平市人民政府办公室文件"
FOOTER_TEXT = "原平市人民政府办公室2022年1月印发"
FOOTNOTE_TEXT = "数据来源：原平市统计局"
ENDNOTE_TEXT = "本报告由原平市发展和改革局起草"
TEXT_BOX_TEXT = "崞阳镇位于×市东北部"
ALT_TEXT = "原平市人民政府办公大楼"
CORE_PROPERTIES = {"title": "原平市人民政府", "subject": "2022年原平市政府工作报告", "author": "张三",
                   "keywords": "原平；忻州", "comments": "原平市第十六届人民代表大会第一次会议",
                   "last_modified_by": "李四", "category": "政府工作报告", "content_status": "定稿"}
APP_PROPERTIES = {"Company": "原平市人民政府办公室", "Manager": "王五"}
CUSTOM_PROPERTY = ("审核单位", "原平市审计局")


# --- building blocks ---------------------------------------------------------------------------------


def _blank() -> Document:
    """A document with none of the properties python-docx fills in (author "python-docx"…)."""
    document = docx.Document()
    for name in CLEARED_CORE_PROPERTIES:
        setattr(document.core_properties, name, "")
    # python-docx's template keeps a preview picture of a page (a finding of its own): not saved.
    package_rels = document.part.package.rels
    for rel_id in [rel_id for rel_id, rel in package_rels.items() if rel.reltype.endswith("/thumbnail")]:
        del package_rels[rel_id]
    return document


def _save(document: Document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _build(*steps: Step) -> bytes:
    document = _blank()
    for step in steps:
        step(document)
    return _save(document)


def _run(text: str, properties: str = "") -> etree._Element:
    """A w:r with raw run properties (in CT_RPr order: vanish, color, highlight, shd)."""
    return parse_xml(f'<w:r {W_NS}><w:rPr>{properties}</w:rPr>'
                     f'<w:t xml:space="preserve">{escape(text)}</w:t></w:r>')


def _paragraph(document: Document, *pieces: str | etree._Element) -> None:
    """A body paragraph of plain text pieces and raw elements (runs, revisions)."""
    paragraph = document.add_paragraph()
    for piece in pieces:
        if isinstance(piece, str):
            paragraph.add_run(piece)
        else:
            paragraph._p.append(piece)


def _revision(tag: str, text: str, author: str, date: str, revision_id: int) -> etree._Element:
    text_tag = "delText" if tag in ("del", "moveFrom") else "t"
    return parse_xml(f'<w:{tag} {W_NS} w:id="{revision_id}" w:author="{author}" w:date="{date}">'
                     f'<w:r><w:{text_tag} xml:space="preserve">{escape(text)}</w:{text_tag}></w:r></w:{tag}>')


def _add_part(document: Document, name: str, content_type: str, reltype: str, xml: str, *,
              of_package: bool = False) -> None:
    package = document.part.package
    part = Part(PackURI(name), content_type, xml.encode("utf-8"), package)
    (package if of_package else document.part).relate_to(part, reltype)


def _rewrite(data: bytes, members: Mapping[str, bytes | None]) -> bytes:
    """``data`` with some zip members replaced (None: left out)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = members.get(info.filename, source.read(info))
            if content is not None:
                target.writestr(info.filename, content)
    return out.getvalue()


def _png() -> bytes:
    """A one-pixel PNG, so a picture needs no file."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
            + chunk(b"IEND", b""))


# --- the leaks, as steps on a document -----------------------------------------------------------------


def add_black_highlight(document: Document) -> None:
    """×市位于山西省北部，下辖[崞阳镇]、轩岗镇 with 崞阳镇 highlighted black; and a number under a
    character style that highlights black."""
    paragraph = document.add_paragraph("×市位于山西省北部，下辖")
    paragraph.add_run(HIGHLIGHTED).font.highlight_color = WD_COLOR_INDEX.BLACK
    paragraph.add_run("、轩岗镇")
    style = document.styles.add_style("涂黑", WD_STYLE_TYPE.CHARACTER)
    style.font.highlight_color = WD_COLOR_INDEX.BLACK
    paragraph = document.add_paragraph("建成")
    paragraph.add_run("12", style="涂黑")
    paragraph.add_run("个乡镇中医馆")


def add_shading(document: Document) -> None:
    """A number under dark shading, one in yellow on yellow, and white on black (which shows)."""
    _paragraph(document, "城镇新增就业", _run("3260", '<w:shd w:val="clear" w:color="auto" w:fill="1F1F1F"/>'),
               "人，促进农村劳动力转移",
               _run("1500", '<w:color w:val="FFFF00"/><w:shd w:val="clear" w:color="auto" w:fill="FFFF00"/>'),
               "人。")
    _paragraph(document, "全年投入",
               _run("2.3亿", '<w:color w:val="FFFFFF"/><w:shd w:val="clear" w:color="auto" w:fill="000000"/>'),
               "元实施乡村振兴项目")


def add_vanish(document: Document) -> None:
    """Hidden runs: direct (two adjacent), through a character style based on a hidden one,
    through a hidden paragraph style (one run of it made visible again), and two with a visible
    character between them."""
    _paragraph(document, "×市", _run("（原平", "<w:vanish/>"), _run("市）", "<w:vanish/>"), "位于山西省北部")
    hidden = document.styles.add_style("隐藏甲", WD_STYLE_TYPE.CHARACTER)
    hidden.font.hidden = True
    document.styles.add_style("隐藏乙", WD_STYLE_TYPE.CHARACTER).base_style = hidden
    paragraph = document.add_paragraph("下辖")
    paragraph.add_run("崞阳镇", style="隐藏乙")
    paragraph.add_run("、轩岗镇")
    document.styles.add_style("隐藏段落", WD_STYLE_TYPE.PARAGRAPH).font.hidden = True
    paragraph = document.add_paragraph("原平市人民政府", style="隐藏段落")
    paragraph.add_run("办公室").font.hidden = False
    _paragraph(document, _run("轩岗镇", "<w:vanish/>"), "、", _run("崞阳镇", "<w:vanish/>"))


def add_deletion(document: Document) -> None:
    _paragraph(document, _revision("del", DELETED, "张三", "2023-05-06T08:00:00Z", 101), "×市位于山西省北部")


def add_insertion(document: Document) -> None:
    _paragraph(document, _revision("ins", INSERTED, "李四", "2023-05-07T09:30:00Z", 102), "位于山西省北部")


def add_move(document: Document) -> None:
    """轩岗镇 moved from the end of one paragraph to the start of the next."""
    _paragraph(document, "下辖崞阳镇", _revision("moveFrom", "、轩岗镇", "李四", "2023-05-07T09:31:00Z", 103))
    _paragraph(document, _revision("moveTo", "轩岗镇、", "李四", "2023-05-07T09:31:00Z", 104), "崞阳镇")


def add_format_change(document: Document) -> None:
    """A tracked formatting change (w:rPrChange): no text, but an author; write_clean drops it."""
    _paragraph(document, parse_xml(
        f'<w:r {W_NS}><w:rPr><w:b/><w:rPrChange w:id="105" w:author="赵六" w:date="2023-05-08T10:00:00Z">'
        '<w:rPr/></w:rPrChange></w:rPr><w:t>一、2021年工作回顾</w:t></w:r>'))


def add_comment(document: Document) -> None:
    document.add_paragraph("×市位于山西省北部")
    paragraph = document.add_paragraph("下辖")
    run = paragraph.add_run("崞阳镇")
    paragraph.add_run("、轩岗镇")
    document.add_comment(run, text=COMMENT_TEXT, author="王五", initials="WW")


def add_header(document: Document) -> None:
    document.add_paragraph("×市人民政府工作报告")
    document.sections[0].header.paragraphs[0].text = HEADER_TEXT


def add_footer(document: Document) -> None:
    document.add_paragraph("×市人民政府工作报告")
    document.sections[0].footer.paragraphs[0].text = FOOTER_TEXT


def _notes(kind: str, text: str) -> str:
    """A footnotes (endnotes) part: Word's two separator notes, then note 1."""
    separators = "".join(f'<w:{kind} w:type="{t}" w:id="{i}"><w:p><w:r><w:{t}/></w:r></w:p></w:{kind}>'
                         for i, t in ((-1, "separator"), (0, "continuationSeparator")))
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:{kind}s {W_NS}>{separators}'
            f'<w:{kind} w:id="1"><w:p><w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:{kind}Ref/></w:r>'
            f'<w:r><w:t>{escape(text)}</w:t></w:r></w:p></w:{kind}></w:{kind}s>')


def add_footnote(document: Document) -> None:
    _paragraph(document, "全年地区生产总值增长6.8%", parse_xml(FOOTNOTE_REFERENCE.format(kind="footnote")))
    _add_part(document, "/word/footnotes.xml", CT.WML_FOOTNOTES, RT.FOOTNOTES, _notes("footnote", FOOTNOTE_TEXT))


def add_endnote(document: Document) -> None:
    _paragraph(document, "各位代表：", parse_xml(FOOTNOTE_REFERENCE.format(kind="endnote")))
    _add_part(document, "/word/endnotes.xml", CT.WML_ENDNOTES, RT.ENDNOTES, _notes("endnote", ENDNOTE_TEXT))


def _text_box(content: str) -> etree._Element:
    """A run anchoring a text box as Word writes one: a wps shape, and a VML copy for old readers."""
    box = f"<w:txbxContent><w:p>{content}</w:p></w:txbxContent>"
    return parse_xml(
        f'<w:r {DRAWING_NS}><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
        '<wp:anchor distT="0" distB="0" distL="114300" distR="114300" simplePos="0" relativeHeight="251659264"'
        ' behindDoc="0" locked="0" layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/>'
        '<wp:positionH relativeFrom="column"><wp:posOffset>0</wp:posOffset></wp:positionH>'
        '<wp:positionV relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset></wp:positionV>'
        '<wp:extent cx="2743200" cy="457200"/><wp:effectExtent l="0" t="0" r="0" b="0"/>'
        '<wp:wrapSquare wrapText="bothSides"/><wp:docPr id="100" name="Text Box 100"/><wp:cNvGraphicFramePr/>'
        '<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
        '<wps:wsp><wps:cNvSpPr txBox="1"/><wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="2743200" cy="457200"/>'
        '</a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></wps:spPr>'
        f'<wps:txbx>{box}</wps:txbx><wps:bodyPr/></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing>'
        '</mc:Choice><mc:Fallback><w:pict><v:shape id="Text Box 100" type="#_x0000_t202"'
        f' style="position:absolute;width:216pt;height:36pt"><v:textbox>{box}</v:textbox></v:shape></w:pict>'
        '</mc:Fallback></mc:AlternateContent></w:r>')


def add_text_box(document: Document) -> None:
    _paragraph(document, "见下图", _text_box(f'<w:r><w:t>{TEXT_BOX_TEXT}</w:t></w:r>'))


def add_covered_text_box(document: Document) -> None:
    """A text box whose 原平 is highlighted black."""
    content = ('<w:r><w:t>据</w:t></w:r><w:r><w:rPr><w:highlight w:val="black"/></w:rPr><w:t>原平</w:t></w:r>'
               '<w:r><w:t>市统计局</w:t></w:r>')
    _paragraph(document, "资料：", _text_box(content))


def add_alt_text(document: Document) -> None:
    document.add_paragraph("×市人民政府")
    document.add_picture(io.BytesIO(_png()))
    document.inline_shapes[-1]._inline.docPr.set("descr", ALT_TEXT)


def add_core_properties(document: Document) -> None:
    for name, value in CORE_PROPERTIES.items():
        setattr(document.core_properties, name, value)


def add_custom_property(document: Document) -> None:
    name, value = CUSTOM_PROPERTY
    xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"'
           ' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
           f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="2" name="{name}">'
           f'<vt:lpwstr>{value}</vt:lpwstr></property></Properties>')
    _add_part(document, "/docProps/custom.xml", CT.OFC_CUSTOM_PROPERTIES, RT.CUSTOM_PROPERTIES, xml,
              of_package=True)


def with_app_properties(data: bytes) -> bytes:
    """``data`` with docProps/app.xml's Company and Manager set (python-docx has no API for them)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        root = etree.fromstring(archive.read("docProps/app.xml"))
    for child in root:
        if etree.QName(child).localname in APP_PROPERTIES:
            child.text = APP_PROPERTIES[etree.QName(child).localname]
    return _rewrite(data, {"docProps/app.xml": etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                                              standalone=True)})


# --- the documents ---------------------------------------------------------------------------------


def text_docx(paragraphs: list[str]) -> bytes:
    """A plain document, one paragraph per item, no property set."""
    document = _blank()
    for text in paragraphs:
        document.add_paragraph(text)
    return _save(document)


def thumbnail_docx() -> bytes:
    """A document saved with a preview picture of its first page, as python-docx's template has one."""
    document = docx.Document()
    for name in CLEARED_CORE_PROPERTIES:
        setattr(document.core_properties, name, "")
    document.add_paragraph("×市位于山西省北部。")
    return _save(document)


def black_highlight_docx() -> bytes:
    return _build(add_black_highlight)


def shading_docx() -> bytes:
    return _build(add_shading)


def vanish_docx() -> bytes:
    return _build(add_vanish)


def deletion_docx() -> bytes:
    return _build(add_deletion)


def insertion_docx() -> bytes:
    return _build(add_insertion)


def move_docx() -> bytes:
    return _build(add_move)


def comment_docx() -> bytes:
    return _build(add_comment)


def header_docx() -> bytes:
    return _build(add_header)


def footer_docx() -> bytes:
    return _build(add_footer)


def footnote_docx() -> bytes:
    return _build(add_footnote)


def endnote_docx() -> bytes:
    return _build(add_endnote)


def text_box_docx() -> bytes:
    return _build(add_text_box)


def alt_text_docx() -> bytes:
    return _build(add_alt_text)


def core_properties_docx() -> bytes:
    return _build(lambda document: document.add_paragraph("×市人民政府工作报告"), add_core_properties)


def app_properties_docx() -> bytes:
    return with_app_properties(_build(lambda document: document.add_paragraph("×市人民政府工作报告")))


def custom_property_docx() -> bytes:
    return _build(lambda document: document.add_paragraph("×市人民政府工作报告"), add_custom_property)


EVERY_LEAK: tuple[Step, ...] = (
    add_black_highlight, add_shading, add_vanish, add_deletion, add_insertion, add_move, add_format_change,
    add_comment, add_header, add_footer, add_footnote, add_endnote, add_text_box, add_covered_text_box,
    add_alt_text, add_core_properties, add_custom_property)


def every_leak_docx() -> bytes:
    """Every leak above in one document."""
    return with_app_properties(_build(*EVERY_LEAK))


# --- files that are not readable .docx ---------------------------------------------------------------


def truncated_docx(size: int) -> bytes:
    return every_leak_docx()[:size]


def ole_docx() -> bytes:
    """The start of an OLE compound file: what Word writes for a password-protected .docx (and a .doc)."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)


def not_a_zip() -> bytes:
    return "×市位于山西省北部，下辖崞阳镇、轩岗镇".encode("utf-8")


def pk_then_garbage(seed: int) -> bytes:
    """A local file header's signature, then random bytes."""
    return b"PK\x03\x04" + random.Random(seed).randbytes(2000)


def zip_without_document() -> bytes:
    return _rewrite(text_docx(["×市人民政府工作报告"]), {"word/document.xml": None})


def malformed_xml_docx() -> bytes:
    data = text_docx(["×市人民政府工作报告"])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        document = archive.read("word/document.xml")
    return _rewrite(data, {"word/document.xml": document[: len(document) // 2]})


def zip_bomb_docx() -> bytes:
    """A .docx whose central directory says word/document.xml inflates to 3 GB."""
    data = bytearray(text_docx(["×市人民政府工作报告"]))
    entry = data.index(b"PK\x01\x02")
    while True:
        name_length = struct.unpack_from("<H", data, entry + 28)[0]
        if data[entry + 46: entry + 46 + name_length] == b"word/document.xml":
            struct.pack_into("<I", data, entry + 24, 3 * 2**30)
            return bytes(data)
        entry = data.index(b"PK\x01\x02", entry + 4)

"""The .docx reader (auditor.map.formats.docx): the text Word shows, what else
the file holds, bad files, and the cleaned copy write_clean makes."""
from __future__ import annotations

import io
import zipfile

import docx
import pytest

import docx_fixtures as fixtures
from auditor.map.formats import COVER_GLYPH, FileFinding, FormatError, where
from auditor.map.formats.docx import read, write_clean

SEED = "000"


def apply(text: str, edits) -> str:
    """``text`` with each (start, end, replacement) made, as write_clean promises to make them."""
    for start, end, replacement in sorted(edits, key=lambda edit: (edit[0], edit[1]), reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def span(text: str, part: str, replacement: str) -> tuple[int, int, str]:
    start = text.index(part)
    return start, start + len(part), replacement


def where_is(extracted, part: str, character: int = 1) -> str:
    return where(extracted.parts, extracted.text.index(part) + character - 1)


@pytest.fixture(scope="module")
def every_leak() -> bytes:
    return fixtures.every_leak_docx()


@pytest.fixture(scope="module")
def seed_lines(seed_text) -> list[str]:
    return [line for line in seed_text(SEED).splitlines() if line.strip()]


# --- the text -----------------------------------------------------------------------------------------


def test_a_plain_document_reads_as_its_paragraphs_and_holds_nothing_else():
    extracted = read(fixtures.text_docx(["×市位于山西省北部", "下辖崞阳镇、轩岗镇", ""]))
    assert extracted.text == "×市位于山西省北部\n下辖崞阳镇、轩岗镇\n"
    assert [(p.start, p.label) for p in extracted.parts] == [(0, "paragraph 1"), (10, "paragraph 2"),
                                                            (20, "paragraph 3")]
    assert extracted.findings == ()


def test_the_seed_report_round_trips(seed_lines):
    data = fixtures.text_docx(seed_lines)
    extracted = read(data)
    assert extracted.text == "\n".join(seed_lines)
    assert extracted.findings == ()
    assert where(extracted.parts, extracted.text.index(seed_lines[40])) == "paragraph 41, character 1"


def test_tabs_breaks_and_no_break_hyphens_are_characters_of_their_paragraph():
    document = fixtures._blank()
    paragraph = document.add_paragraph("第一章\t总则")
    paragraph.add_run().add_break()
    paragraph.add_run("2021")
    paragraph._p.append(docx.oxml.parse_xml(f'<w:r {docx.oxml.ns.nsdecls("w")}><w:noBreakHyphen/></w:r>'))
    paragraph.add_run("2022年")
    extracted = read(fixtures._save(document))
    assert extracted.text == "第一章\t总则\n2021-2022年"
    assert [p.label for p in extracted.parts] == ["paragraph 1"]


def test_ruby_reads_as_its_base_text_and_can_be_edited():
    document = fixtures._blank()
    paragraph = document.add_paragraph("下辖")
    paragraph._p.append(docx.oxml.parse_xml(
        f'<w:r {docx.oxml.ns.nsdecls("w")}><w:ruby><w:rubyPr/><w:rt><w:r><w:t>guō</w:t></w:r></w:rt>'
        '<w:rubyBase><w:r><w:t>崞</w:t></w:r></w:rubyBase></w:ruby></w:r>'))
    paragraph.add_run("阳镇")
    data = fixtures._save(document)
    assert read(data).text == "下辖崞阳镇"
    assert read(write_clean(data, [(2, 3, "×")])).text == "下辖×阳镇"


def test_table_cells_are_paragraphs_row_by_row_cell_by_cell():
    document = fixtures._blank()
    document.add_paragraph("表1")
    table = document.add_table(rows=2, cols=2)
    for (row, column), text in {(0, 0): "乡镇", (0, 1): "人口", (1, 0): "崞阳镇", (1, 1): "×万人"}.items():
        table.cell(row, column).text = text
    document.add_paragraph("注：数据截至2021年底")
    extracted = read(fixtures._save(document))
    assert extracted.text == "表1\n乡镇\n人口\n崞阳镇\n×万人\n注：数据截至2021年底"
    assert where_is(extracted, "×万人") == "paragraph 5, character 1"


def test_header_text_follows_the_body():
    extracted = read(fixtures.header_docx())
    assert extracted.text == f"×市人民政府工作报告\n{fixtures.HEADER_TEXT}"
    assert where_is(extracted, fixtures.HEADER_TEXT, 3) == "header 1, character 3"
    assert extracted.findings == ()


def test_footer_text_follows_the_body():
    extracted = read(fixtures.footer_docx())
    assert extracted.text == f"×市人民政府工作报告\n{fixtures.FOOTER_TEXT}"
    assert where_is(extracted, fixtures.FOOTER_TEXT) == "footer 1, character 1"


def test_footnote_text_follows_the_body_without_the_separators():
    extracted = read(fixtures.footnote_docx())
    assert extracted.text == f"全年地区生产总值增长6.8%\n{fixtures.FOOTNOTE_TEXT}"
    assert where_is(extracted, fixtures.FOOTNOTE_TEXT, 3) == "footnote 1, character 3"


def test_endnote_text_follows_the_body():
    extracted = read(fixtures.endnote_docx())
    assert extracted.text == f"各位代表：\n{fixtures.ENDNOTE_TEXT}"
    assert where_is(extracted, fixtures.ENDNOTE_TEXT, 2) == "endnote 1, character 2"


def test_a_text_box_is_read_once_and_not_in_its_anchor_paragraph():
    extracted = read(fixtures.text_box_docx())
    assert extracted.text == f"见下图\n{fixtures.TEXT_BOX_TEXT}"
    assert where_is(extracted, fixtures.TEXT_BOX_TEXT) == "text box 1, character 1"
    assert extracted.findings == ()


def test_the_stories_come_in_order_body_headers_footers_notes_text_boxes(every_leak):
    text = read(every_leak).text
    order = [text.index(part) for part in (fixtures.HEADER_TEXT, fixtures.FOOTER_TEXT, fixtures.FOOTNOTE_TEXT,
                                           fixtures.ENDNOTE_TEXT, fixtures.TEXT_BOX_TEXT)]
    assert order == sorted(order)
    assert text.index("×市人民政府\n") < order[0]
    assert text.endswith(f"\n{fixtures.TEXT_BOX_TEXT}\n据■■市统计局")


# --- what the file holds besides the text ----------------------------------------------------------------


def test_black_highlight_stands_as_cover_glyphs_and_keeps_the_text_in_a_finding():
    extracted = read(fixtures.black_highlight_docx())
    assert extracted.text == "×市位于山西省北部，下辖■■■、轩岗镇\n建成■■个乡镇中医馆"
    assert extracted.findings == (
        FileFinding("covered-text", "black-highlight", "paragraph 1", "崞阳镇", 12, 15),
        FileFinding("covered-text", "black-highlight", "paragraph 2", "12", 22, 24),  # through a character style
    )
    assert extracted.text[12:15] == COVER_GLYPH * 3


def test_dark_or_same_colour_shading_covers_but_white_on_black_shows():
    extracted = read(fixtures.shading_docx())
    assert extracted.text == "城镇新增就业■■■■人，促进农村劳动力转移■■■■人。\n全年投入2.3亿元实施乡村振兴项目"
    assert extracted.findings == (
        FileFinding("covered-text", "shading", "paragraph 1", "3260", 6, 10),
        FileFinding("covered-text", "shading", "paragraph 1", "1500", 21, 25),
    )


def test_hidden_runs_are_not_in_the_text_and_adjacent_ones_merge():
    extracted = read(fixtures.vanish_docx())
    assert extracted.text == "×市位于山西省北部\n下辖、轩岗镇\n办公室\n、"
    assert [(f.rule, f.kind, f.where, f.text) for f in extracted.findings] == [
        ("hidden-text", "vanish", "paragraph 1", "（原平市）"),  # two adjacent runs
        ("hidden-text", "vanish", "paragraph 2", "崞阳镇"),  # a character style based on a hidden one
        ("hidden-text", "vanish", "paragraph 3", "原平市人民政府"),  # a hidden paragraph style
        ("hidden-text", "vanish", "paragraph 4", "轩岗镇"),
        ("hidden-text", "vanish", "paragraph 4", "崞阳镇"),
    ]


def test_a_tracked_deletion_is_not_in_the_text_but_is_a_finding():
    extracted = read(fixtures.deletion_docx())
    assert extracted.text == "×市位于山西省北部"
    assert extracted.findings == (FileFinding(
        "tracked-changes", "deletion", "paragraph 1 (by 张三, 2023-05-06T08:00:00Z)", fixtures.DELETED),)


def test_a_tracked_insertion_is_in_the_text_and_is_a_finding():
    extracted = read(fixtures.insertion_docx())
    assert extracted.text == "×市位于山西省北部"
    assert extracted.findings == (FileFinding(
        "tracked-changes", "insertion", "paragraph 1 (by 李四, 2023-05-07T09:30:00Z)", fixtures.INSERTED),)


def test_a_move_is_a_deletion_where_it_was_and_an_insertion_where_it_went():
    extracted = read(fixtures.move_docx())
    assert extracted.text == "下辖崞阳镇\n轩岗镇、崞阳镇"
    assert [(f.kind, f.where, f.text) for f in extracted.findings] == [
        ("deletion", "paragraph 1 (by 李四, 2023-05-07T09:31:00Z)", "、轩岗镇"),
        ("insertion", "paragraph 2 (by 李四, 2023-05-07T09:31:00Z)", "轩岗镇、"),
    ]


def test_a_comment_is_a_finding_with_its_author_and_paragraph():
    extracted = read(fixtures.comment_docx())
    assert extracted.text == "×市位于山西省北部\n下辖崞阳镇、轩岗镇"
    assert extracted.findings == (FileFinding("comments", "comment", "comment 1 by 王五 on paragraph 2",
                                              fixtures.COMMENT_TEXT),)


def test_alt_text_is_a_finding_naming_the_image():
    extracted = read(fixtures.alt_text_docx())
    assert extracted.text == "×市人民政府\n"
    assert extracted.findings == (FileFinding("alt-text", "alt-text", "paragraph 2 image Picture 1",
                                              fixtures.ALT_TEXT),)


def test_core_properties_are_findings_by_their_local_names():
    extracted = read(fixtures.core_properties_docx())
    assert {(f.rule, f.kind, f.where, f.text) for f in extracted.findings} == {
        ("metadata", "property", f"docProps/core.xml {name}", value) for name, value in (
            ("title", "原平市人民政府"), ("subject", "2022年原平市政府工作报告"), ("creator", "张三"),
            ("keywords", "原平；忻州"), ("description", "原平市第十六届人民代表大会第一次会议"),
            ("lastModifiedBy", "李四"), ("category", "政府工作报告"), ("contentStatus", "定稿"))}
    assert len(extracted.findings) == 8


def test_app_properties_company_and_manager_are_findings():
    extracted = read(fixtures.app_properties_docx())
    assert sorted((f.kind, f.where, f.text) for f in extracted.findings) == [
        ("property", "docProps/app.xml Company", "原平市人民政府办公室"),
        ("property", "docProps/app.xml Manager", "王五"),
    ]


def test_a_custom_property_is_a_finding():
    extracted = read(fixtures.custom_property_docx())
    assert extracted.findings == (FileFinding("metadata", "custom-property", "docProps/custom.xml 审核单位",
                                              "原平市审计局"),)


def test_a_saved_preview_picture_is_a_finding_and_write_clean_drops_it_and_its_relationship():
    data = fixtures.thumbnail_docx()
    assert read(data).findings == (FileFinding("metadata", "thumbnail", "docProps/thumbnail.jpeg",
                                                "a picture of the first page as it was saved"),)
    cleaned = write_clean(data)
    with zipfile.ZipFile(io.BytesIO(cleaned)) as archive:
        assert "docProps/thumbnail.jpeg" not in archive.namelist()
        assert b"thumbnail" not in archive.read("_rels/.rels")
    assert read(cleaned).findings == () and read(cleaned).text == read(data).text
    docx.Document(io.BytesIO(cleaned))


def test_every_leak_at_once_gives_every_kind(every_leak):
    kinds = {(f.rule, f.kind) for f in read(every_leak).findings}
    assert kinds == {("covered-text", "black-highlight"), ("covered-text", "shading"), ("hidden-text", "vanish"),
                     ("tracked-changes", "deletion"), ("tracked-changes", "insertion"), ("comments", "comment"),
                     ("alt-text", "alt-text"), ("metadata", "property"), ("metadata", "custom-property")}
    covered_in_box = [f for f in read(every_leak).findings if f.where == "text box 2"]
    assert [(f.kind, f.text) for f in covered_in_box] == [("black-highlight", "原平")]


# --- bad files -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [
    fixtures.not_a_zip(), b"", fixtures.zip_without_document(), fixtures.malformed_xml_docx(),
    fixtures.zip_bomb_docx(), *(fixtures.pk_then_garbage(seed) for seed in range(3)),
], ids=["not-a-zip", "empty", "no-document-xml", "malformed-xml", "zip-bomb", "pk-garbage-0", "pk-garbage-1",
        "pk-garbage-2"])
def test_a_file_that_is_not_a_readable_docx_is_unparseable(data):
    with pytest.raises(FormatError) as raised:
        read(data)
    assert raised.value.status == "unparseable"
    assert "\n" not in str(raised.value)


def test_a_truncated_docx_is_unparseable_wherever_it_is_cut(every_leak):
    for size in (1, 4, 30, 200, len(every_leak) // 3, len(every_leak) // 2, len(every_leak) - 100,
                 len(every_leak) - 22, len(every_leak) - 1):
        with pytest.raises(FormatError) as raised:
            read(every_leak[:size])
        assert raised.value.status == "unparseable", size


def test_the_messages_say_what_is_wrong():
    messages = {}
    for name in ("zip_without_document", "zip_bomb_docx", "not_a_zip"):
        with pytest.raises(FormatError) as raised:
            read(getattr(fixtures, name)())
        messages[name] = str(raised.value)
    assert "no word/document.xml" in messages["zip_without_document"]
    assert "zip bomb" in messages["zip_bomb_docx"]
    assert "not a zip" in messages["not_a_zip"]


def test_an_ole_compound_file_is_encrypted_or_a_binary_doc():
    with pytest.raises(FormatError) as raised:
        read(fixtures.ole_docx())
    assert raised.value.status == "encrypted"
    assert "password-protected" in str(raised.value) and "binary .doc" in str(raised.value)
    with pytest.raises(FormatError):
        write_clean(fixtures.ole_docx())


# --- write_clean -----------------------------------------------------------------------------------------


def test_write_clean_leaves_the_text_and_no_finding(every_leak):
    before = read(every_leak)
    text = before.text
    edits = [(0, 0, "【"), span(text, "山西省", "×省"), span(text, "■■■■", "×"), span(text, "崞阳镇位于", "×"),
             span(text, fixtures.HEADER_TEXT, "×文件"), span(text, fixtures.FOOTNOTE_TEXT, "数据来源：×"),
             span(text, "据■■市", "")]
    cleaned = write_clean(every_leak, edits)
    after = read(cleaned)
    assert after.text == apply(text, edits)
    assert after.findings == ()
    assert [p.label for p in after.parts] == [p.label for p in before.parts]


def test_write_clean_leaves_no_trace_of_what_it_removed(every_leak):
    cleaned = write_clean(every_leak, [span(read(every_leak).text, fixtures.TEXT_BOX_TEXT, "×")])
    with zipfile.ZipFile(io.BytesIO(cleaned)) as archive:
        xml = {name: archive.read(name).decode("utf-8") for name in archive.namelist() if name.endswith(".xml")}
    everything = "".join(xml.values())
    for trace in ("原平市人民政府<", "（原平", ">3260<", ">1500<", "忻州", "张三", "李四", "王五", "赵六", "原平市审计局",
                  fixtures.ALT_TEXT, fixtures.TEXT_BOX_TEXT, "w:rPrChange", "w:commentReference", "mc:Fallback"):
        assert trace not in everything, trace
    assert "<w:comment " not in xml["word/comments.xml"]
    assert xml["word/document.xml"].startswith("<?xml version='1.0' encoding='UTF-8' standalone='yes'?>")


def test_write_clean_keeps_the_members_in_order_and_copies_the_untouched(every_leak):
    cleaned = write_clean(every_leak)
    with zipfile.ZipFile(io.BytesIO(every_leak)) as before, zipfile.ZipFile(io.BytesIO(cleaned)) as after:
        assert after.namelist() == before.namelist()
        changed = {name for name in before.namelist() if before.read(name) != after.read(name)}
    assert changed == {"word/document.xml", "word/comments.xml", "docProps/core.xml", "docProps/app.xml",
                       "docProps/custom.xml"}


def test_the_cleaned_file_opens_with_python_docx(every_leak):
    document = docx.Document(io.BytesIO(write_clean(every_leak)))
    assert document.paragraphs[0].text == "×市位于山西省北部，下辖■■■、轩岗镇"
    assert document.core_properties.title == ""
    assert len(document.comments) == 0


def test_an_edit_across_runs_goes_into_the_first_and_is_cut_from_the_others():
    data = fixtures.comment_docx()
    text = read(data).text
    edits = [span(text, "辖崞阳", "×")]
    cleaned = write_clean(data, edits)
    assert read(cleaned).text == apply(text, edits) == "×市位于山西省北部\n下×镇、轩岗镇"
    assert [run.text for run in docx.Document(io.BytesIO(cleaned)).paragraphs[1].runs] == ["下×", "镇", "、轩岗镇"]


def test_the_seed_report_cleans_to_its_edits(seed_lines):
    data = fixtures.text_docx(seed_lines)
    text = read(data).text
    edits = [span(text, "市人民政府", "×人民政府"), (len(text) - 1, len(text), "。")]
    assert read(write_clean(data, edits)).text == apply(text, edits)


@pytest.mark.parametrize("edit", [(5, 8, "×"), (3, 4, "×"), (6, 7, ""), (-1, 2, ""), (0, 99, "")],
                         ids=["across-paragraphs", "a-tab", "paragraph-break", "negative", "past-the-end"])
def test_an_edit_outside_w_t_text_is_refused(edit):
    data = fixtures.text_docx(["第一章\t总则", "×市位于山西省北部"])
    assert read(data).text == "第一章\t总则\n×市位于山西省北部"
    with pytest.raises(ValueError):
        write_clean(data, [edit])


def test_overlapping_edits_are_refused():
    data = fixtures.text_docx(["×市位于山西省北部"])
    with pytest.raises(ValueError):
        write_clean(data, [(0, 3, "a"), (2, 4, "b")])

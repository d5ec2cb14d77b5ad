"""Word and PDF files through the whole tool: scan, check, fix and the report, against the same
documents as text. The files are made here (python-docx, ReportLab with the STSong-Light CID font)."""
from __future__ import annotations

import hashlib
import html
import subprocess
import sys
import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from auditor.cli import main
from auditor.map.formats import docx as docx_format

import docx_fixtures
import pdf_fixtures
from docx_fixtures import every_leak_docx, text_docx
from pdf_fixtures import text_pdf


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def _digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _check(*args: str) -> tuple[int, dict]:
    outcome = CliRunner().invoke(main, ["check", *args, "-j", "1", "--format", "json"])
    assert "Traceback" not in outcome.output
    assert outcome.exit_code in (0, 1), outcome.output
    return outcome.exit_code, json.loads(outcome.output)


def _by_stem(report: dict) -> dict[str, tuple]:
    return {Path(d["doc"]).stem: (d["status"], d["verdict"], d["identity"]) for d in report["documents"]}


@pytest.fixture(scope="module")
def seeds_three_ways(tmp_path_factory, seeds_dir) -> Path:
    """The seeds as they are (text/), and saved as Word (docx/) and as PDF (pdf/)."""
    root = tmp_path_factory.mktemp("seeds-three-ways")
    for kind in ("text", "docx", "pdf"):
        (root / kind).mkdir()
    for seed in sorted(seeds_dir.glob("*.txt")):
        text = seed.read_text(encoding="utf-8")
        (root / "text" / seed.name).write_text(text, encoding="utf-8")
        (root / "docx" / f"{seed.stem}.docx").write_bytes(text_docx(_paragraphs(text)))
        (root / "pdf" / f"{seed.stem}.pdf").write_bytes(text_pdf(_paragraphs(text)))
    return root


def test_the_seeds_as_word_and_as_pdf_get_the_identities_and_verdicts_of_the_text(seeds_three_ways, monkeypatch):
    monkeypatch.chdir(seeds_three_ways)
    before = _digests(seeds_three_ways)
    code, text = _check("text")
    reports = {kind: _check(kind) for kind in ("docx", "pdf")}
    expected = _by_stem(text)
    assert {stem for stem, (status, _, _) in expected.items() if status == "fail"} >= {
        "000_f10a573ecf1e5254", "001_205791ec78af48ee"}
    for kind, (kind_code, report) in reports.items():
        assert kind_code == code, kind
        assert _by_stem(report) == expected, kind
    assert _digests(seeds_three_ways) == before


def test_a_slot_of_a_word_file_is_placed_by_paragraph_and_character(seeds_three_ways, monkeypatch):
    monkeypatch.chdir(seeds_three_ways)
    _, report = _check("docx/000_f10a573ecf1e5254.docx")
    parts = [f["location"].get("part", "") for f in report["findings"] if f["rule"] == "re-identified"]
    assert parts and all(p.startswith("paragraph ") and ", character " in p for p in parts), parts


BAD_FILES = {
    "truncated.docx": lambda: text_docx(["×市位于山西省北部。"])[:200],
    "password.docx": lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
    "not-a-zip.docx": lambda: "×市位于山西省北部。".encode("utf-8"),
    "truncated.pdf": lambda: text_pdf(["×市位于山西省北部。"])[:400],
    "not-a-pdf.pdf": lambda: b"%PDF-1.7\n" + bytes(range(256)) * 4,
    "html-saved-as.pdf": lambda: "<html><body>×市位于山西省北部</body></html>".encode("utf-8"),
}


def test_a_file_that_cannot_be_parsed_gets_a_row_and_fails_not_checked_and_the_scan_goes_on(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, make in BAD_FILES.items():
        (corpus / name).write_bytes(make())
    (corpus / "good.docx").write_bytes(text_docx(["山西省×××县人民政府关于某县经济发展的报告。"]))
    before = _digests(corpus)
    scan = CliRunner().invoke(main, ["scan", "corpus", "--out", "out", "-j", "1", "--quiet"])
    assert scan.exit_code == 0, scan.output
    rows = pd.read_csv(tmp_path / "out" / "files.csv", dtype=str, keep_default_na=False).set_index("doc")
    statuses = rows["status"].to_dict()
    assert statuses == {
        "corpus/good.docx": "ok",
        "corpus/html-saved-as.pdf": "unparseable",
        "corpus/not-a-pdf.pdf": "unparseable",
        "corpus/not-a-zip.docx": "unparseable",
        "corpus/password.docx": "encrypted",
        "corpus/truncated.docx": "unparseable",
        "corpus/truncated.pdf": "unparseable",
    }
    assert rows.loc["corpus/good.docx", "format"] == "docx"
    assert rows.loc["corpus/password.docx", "message"].startswith("a Word document: ")
    code, report = _check("corpus")
    assert code == 1
    failing = {f["doc"] for f in report["findings"] if f["rule"] == "not-checked" and f["fails"]}
    assert failing == {f"corpus/{name}" for name in BAD_FILES}
    assert _digests(corpus) == before


def test_fix_writes_a_word_copy_without_the_leaks_that_check_passes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "report.docx").write_bytes(every_leak_docx())
    before = _digests(corpus)
    code, report = _check("corpus")
    assert code == 1
    rules = {f["rule"] for f in report["findings"] if f["fails"]}
    assert {"covered-text", "hidden-text", "tracked-changes", "comments", "metadata", "alt-text"} <= rules
    fixed = CliRunner().invoke(main, ["fix", "corpus", "--out", "fixed", "-j", "1"])
    assert fixed.exit_code == 0, fixed.output
    assert "removed from the file: " in fixed.output
    copy = (tmp_path / "fixed" / "report.docx").read_bytes()
    assert docx_format.read(copy).findings == ()
    code, after = _check("fixed")
    assert code == 0, after["findings"]
    assert _digests(corpus) == before


def test_fix_does_not_pretend_to_fix_a_pdf(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "report.pdf").write_bytes(text_pdf(["×市位于山西省北部，下辖崞阳镇、轩岗镇，滹沱河穿境而过。"]))
    before = _digests(corpus)
    outcome = CliRunner().invoke(main, ["fix", "corpus", "--out", "fixed", "-j", "1"])
    assert outcome.exit_code == 1, outcome.output
    assert "fix does not rewrite PDFs" in outcome.output
    assert not (tmp_path / "fixed" / "report.pdf").exists()
    assert _digests(corpus) == before


def test_the_report_shows_what_the_file_holds_above_its_text(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "report.docx").write_bytes(every_leak_docx())
    scan = CliRunner().invoke(main, ["scan", "corpus", "--out", "out", "-j", "1", "--quiet"])
    assert scan.exit_code == 0, scan.output
    (page,) = (tmp_path / "out" / "docs").rglob("*.html")
    html = page.read_text(encoding="utf-8")
    assert html.index('id="in-file"') < html.index('id="h-text"')
    section = html[html.index('id="in-file"'):html.index('id="h-text"')]
    assert "a tracked deletion keeps the deleted text in the file" in section
    assert "paragraph " in section
    in_file = pd.read_csv(tmp_path / "out" / "in_file.csv", dtype=str, keep_default_na=False)
    assert set(in_file["rule"]) >= {"covered-text", "tracked-changes", "comments", "metadata"}


# One file per leak kind, through `auditor check`: the rule fails the file and says where in it.
LEAKS = {
    "black-highlight.docx": (docx_fixtures.black_highlight_docx, "covered-text", "paragraph "),
    "shading.docx": (docx_fixtures.shading_docx, "covered-text", "paragraph "),
    "vanish.docx": (docx_fixtures.vanish_docx, "hidden-text", "paragraph "),
    "deletion.docx": (docx_fixtures.deletion_docx, "tracked-changes", "paragraph "),
    "insertion.docx": (docx_fixtures.insertion_docx, "tracked-changes", "paragraph "),
    "comment.docx": (docx_fixtures.comment_docx, "comments", "comment 1 by "),
    "alt-text.docx": (docx_fixtures.alt_text_docx, "alt-text", "paragraph "),
    "core.docx": (docx_fixtures.core_properties_docx, "metadata", "docProps/core.xml "),
    "app.docx": (docx_fixtures.app_properties_docx, "metadata", "docProps/app.xml "),
    "custom.docx": (docx_fixtures.custom_property_docx, "metadata", "docProps/custom.xml "),
    "thumbnail.docx": (docx_fixtures.thumbnail_docx, "metadata", "docProps/thumbnail.jpeg"),
    "box.pdf": (pdf_fixtures.black_box_pdf, "covered-text", "page 1 at ("),
    "image.pdf": (pdf_fixtures.image_over_text_pdf, "covered-text", "page 1 at ("),
    "white.pdf": (pdf_fixtures.white_text_pdf, "hidden-text", "page 1 at ("),
    "invisible.pdf": (pdf_fixtures.invisible_text_pdf, "hidden-text", "page 1 at ("),
    "off-page.pdf": (pdf_fixtures.off_page_pdf, "hidden-text", "page 1 at ("),
    "info.pdf": (pdf_fixtures.info_metadata_pdf, "metadata", "document information "),
    "xmp.pdf": (pdf_fixtures.xmp_metadata_pdf, "metadata", "XMP "),
    "annotation.pdf": (pdf_fixtures.annotation_pdf, "comments", "page 1 at ("),
    "attachment.pdf": (pdf_fixtures.attachment_pdf, "attachments", ""),
    "update.pdf": (pdf_fixtures.incremental_update_pdf, "earlier-revisions", "file"),
    "image-page.pdf": (pdf_fixtures.image_page_pdf, "no-text-layer", "page "),
}


@pytest.mark.parametrize("name", sorted(LEAKS))
def test_each_leak_inside_a_file_fails_the_check_with_its_place_in_the_file(tmp_path, monkeypatch, name):
    make, rule, where = LEAKS[name]
    monkeypatch.chdir(tmp_path)
    Path(name).write_bytes(make())
    code, report = _check(name)
    assert code == 1
    found = [f for f in report["findings"] if f["rule"] == rule]
    assert found and all(f["fails"] for f in found), report["findings"]
    assert any(f["location"]["part"].startswith(where) for f in found), [f["location"] for f in found]


def test_a_clean_redacted_word_file_and_pdf_pass(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    paragraphs = ["×××县人民政府关于2023年经济发展的报告。", "全县实现地区生产总值××亿元，增长×.×%。"]
    Path("clean.docx").write_bytes(text_docx(paragraphs))
    Path("clean.pdf").write_bytes(text_pdf(paragraphs))
    code, report = _check("clean.docx", "clean.pdf")
    assert code == 0, report["findings"]
    assert [d["status"] for d in report["documents"]] == ["pass", "pass"]


CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.browser
def test_a_report_printed_to_pdf_by_a_browser_reads_as_its_text_and_keeps_stderr_quiet(tmp_path, seed_text):
    """Chromium's PDFs (Skia) are what "print to PDF" gives many publishers: CJK radicals for
    characters (⼈ for 人), a font pdfminer warns about for every glyph, a black span over text."""
    if not CHROMIUM.exists():
        pytest.skip("needs Chromium at /usr/bin/chromium (apt-get install chromium)")
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in _paragraphs(seed_text("000")))
    page = tmp_path / "000.html"
    page.write_text('<html><head><meta charset="utf-8"><title>政府工作报告</title></head><body>'
                    f'{paragraphs}<p>附：<span style="background:black;color:black">原平市</span>人民政府</p>'
                    "</body></html>", encoding="utf-8")
    pdf = tmp_path / "corpus" / "000.pdf"
    pdf.parent.mkdir()
    subprocess.run([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf}", page.as_uri()], check=True, capture_output=True, timeout=120)
    (tmp_path / "corpus" / "000.txt").write_text(seed_text("000"), encoding="utf-8")
    outcome = subprocess.run([sys.executable, "-m", "auditor", "check", "corpus", "-j", "1", "--format", "json"],
                             capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert outcome.returncode == 1, outcome.stderr
    assert outcome.stderr == ""
    report = json.loads(outcome.stdout)
    documents = {d["doc"]: (d["verdict"], d["identity"]) for d in report["documents"]}
    assert documents["corpus/000.pdf"] == documents["corpus/000.txt"] == ("re-identified", "山西省/忻州市/原平市")
    covered = [f for f in report["findings"] if f["rule"] == "covered-text"]
    assert [(f["doc"], f["clue"]) for f in covered] == [("corpus/000.pdf", "原平市")]


def test_in_chinese_the_check_names_the_part_in_chinese_and_the_tables_stay_english(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("report.docx").write_bytes(every_leak_docx())
    runner = CliRunner()
    check = runner.invoke(main, ["--lang", "zh", "check", "report.docx", "-j", "1"])
    assert check.exit_code == 1, check.output
    assert "report.docx (页眉 1，第 1 字): 错误: 原平市: " in check.output
    scan = runner.invoke(main, ["--lang", "zh", "scan", "report.docx", "--out", "out", "-j", "1", "--quiet"])
    assert scan.exit_code == 0, scan.output
    in_file = pd.read_csv(tmp_path / "out" / "in_file.csv", dtype=str, keep_default_na=False)
    assert in_file.loc[0, ["rule", "where", "text"]].tolist() == ["covered-text", "paragraph 1", "崞阳镇"]

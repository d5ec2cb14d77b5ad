"""HTML pages: a real parser's text (markup, scripts and styles out), the title and meta tags audited,
offsets into the extracted text, elements not displayed found, and fix editing the markup."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from auditor.cli import main
from auditor.map.formats import html as html_format
from auditor.map.formats import where
from auditor.map.loading import load_file

# A page as template sites publish redacted reports: the title keeps the place, the body masks it.
PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>原平市2023年政府工作报告 - 范文网</title>
<meta name="description" content="×市位于山西省北部，滹沱河畔">
<meta name="keywords" content="政府工作报告,范文">
<style>.ad { color: red } /* 太原 */</style>
<script>var city = "大同市"; document.write("<p>朔州</p>");</script>
</head>
<body>
<div class="nav"><a href="/">首页</a> &gt; <a href="/fanwen/">范文</a></div>
<h1>××市2023年政府工作报告</h1>
<p>各位代表：现在，我代表市人民政府，向大会报告工作。</p>
<p>××市位于山西省北部，下辖<b>崞阳镇</b>、轩岗镇等&nbsp;14个乡镇。</p>
<div style="display: none">原平市人民政府办公室</div>
</body></html>
"""


def test_scripts_styles_and_markup_are_out_and_title_and_meta_are_in():
    page = html_format.read_markup(PAGE)
    lines = page.text.split("\n")
    assert lines[:3] == ["原平市2023年政府工作报告 - 范文网", "×市位于山西省北部，滹沱河畔", "政府工作报告,范文"]
    assert lines[3:] == ["首页 > 范文", "××市2023年政府工作报告", "各位代表：现在，我代表市人民政府，向大会报告工作。",
                         "××市位于山西省北部，下辖崞阳镇、轩岗镇等\xa014个乡镇。"]
    for code in ("大同市", "朔州", "太原", "color", "<b>"):
        assert code not in page.text
    assert [p.label for p in page.parts] == ["title", "meta description", "meta keywords", "paragraph 1",
                                             "paragraph 2", "paragraph 3", "paragraph 4"]
    offset = page.text.index("崞阳镇")
    assert where(page.parts, offset) == "paragraph 4, character 14"


def test_an_element_the_page_does_not_display_is_a_hidden_text_finding():
    (found,) = html_format.read_markup(PAGE).findings
    assert (found.rule, found.kind, found.text) == ("hidden-text", "invisible-text", "原平市人民政府办公室")
    assert "原平市人民政府办公室" not in html_format.read_markup(PAGE).text


def test_edits_land_in_the_markup_and_leave_every_tag():
    page = html_format.read_markup(PAGE)
    spans = [(page.text.index(name), page.text.index(name) + len(name), "×") for name in ("崞阳", "滹沱", "原平市")]
    edited = html_format.apply_edits(PAGE, spans)
    assert "<b>×镇</b>" in edited and 'content="×市位于山西省北部，×河畔"' in edited
    assert "<title>×2023年政府工作报告 - 范文网</title>" in edited
    assert edited.count("<") == PAGE.count("<")
    expected = page.text
    for start, end, put in sorted(spans, reverse=True):
        expected = expected[:start] + put + expected[end:]
    assert html_format.read_markup(edited).text == expected


def test_a_reference_in_a_meta_value_is_rewritten_escaped():
    markup = '<meta name="description" content="原平市&amp;忻州"><p>正文</p>'
    page = html_format.read_markup(markup)
    start = page.text.index("忻州")
    edited = html_format.apply_edits(markup, [(start, start + 2, "×")])
    assert 'content="原平市&amp;×"' in edited


def test_clean_drops_the_hidden_text_and_keeps_the_shown_text():
    cleaned = html_format.clean(PAGE)
    assert "原平市人民政府办公室" not in cleaned
    assert html_format.read_markup(cleaned).text == html_format.read_markup(PAGE).text
    assert html_format.read_markup(cleaned).findings == ()


def test_a_gb18030_page_is_decoded_then_parsed(tmp_path):
    path = tmp_path / "page.htm"
    path.write_bytes(PAGE.replace('charset="utf-8"', 'charset="gbk"').encode("gb18030"))
    source = load_file(path, "page.htm")
    assert (source.status, source.encoding, source.format) == ("ok", "gb18030", "html")
    assert source.text.startswith("原平市2023年政府工作报告")


def _digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_check_names_the_title_and_fix_masks_the_markup(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "report.html").write_text(PAGE, encoding="utf-8")
    before = _digests(corpus)
    runner = CliRunner()
    check = runner.invoke(main, ["check", "corpus", "-j", "1", "--format", "json"])
    assert check.exit_code == 1, check.output
    findings = json.loads(check.output)["findings"]
    rules = {f["rule"] for f in findings}
    assert "hidden-text" in rules
    parts = [f["location"].get("part", "") for f in findings]
    assert any(part.startswith("title") for part in parts), parts
    scan = runner.invoke(main, ["scan", "corpus", "--out", "out", "-j", "1", "--quiet"])
    assert scan.exit_code == 0, scan.output
    files = pd.read_csv(tmp_path / "out" / "files.csv", dtype=str, keep_default_na=False)
    assert files.loc[0, ["format", "encoding", "in_file", "status"]].tolist() == ["html", "utf-8", "1", "ok"]
    fixed = runner.invoke(main, ["fix", "corpus", "--out", "fixed", "-j", "1"])
    assert fixed.exit_code == 0, fixed.output
    markup = (tmp_path / "fixed" / "report.html").read_text(encoding="utf-8")
    assert "原平市人民政府办公室" not in markup and "<b>" in markup and "<script>" in markup
    assert "原平" not in html_format.read_markup(markup).text
    assert runner.invoke(main, ["check", "fixed", "-j", "1"]).exit_code == 0
    assert _digests(corpus) == before

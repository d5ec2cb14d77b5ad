"""The reviewer's language (auditor.i18n): `auditor --lang zh|en`, AUDITOR_LANG, the locale, and the
one catalogue, auditor/locale/zh/LC_MESSAGES/auditor.po, which must hold the Chinese of every msgid
the code and the report's templates use.

The Chinese expected here is the catalogue's, as the outputs put it together."""
from __future__ import annotations

import contextlib
import json
import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages import frontend
from babel.messages.pofile import read_po
from click.testing import CliRunner

from auditor import i18n
from auditor.cli import main
from auditor.fix import remediate
from auditor.output import fix_text
from auditor.output.gate import RULES, load_policy
from auditor.output.report import render
from auditor.output.tables import DOCUMENT_COLUMNS, FILE_COLUMNS
from test_remediate import REPO_POLICY, place_list_pipeline, small_corpus  # noqa: F401 - fixtures
from test_report import (  # noqa: F401 - browser is a fixture
    DIFFERENCE_ROWS, DOC_000, Visit, browser, copies_result, doc_page, linked_seeds_result, many_copies_result, page_of,
    write_report,
)

REPO = Path(__file__).resolve().parent.parent
CATALOGUE = REPO / "auditor" / "locale" / "zh" / "LC_MESSAGES" / "auditor.po"
LOCALE_VARIABLES = ("AUDITOR_LANG", "LC_ALL", "LC_MESSAGES", "LANG")


def invoke(*args: str, cwd: Path = REPO):
    with contextlib.chdir(cwd):
        return CliRunner().invoke(main, list(args))


# --------------------------------------------------------------------------
# auditor check


@pytest.fixture(scope="module")
def checked():
    """`auditor check` of seed 000: in Chinese, and as JSON and SARIF in both languages."""
    return {
        "zh": invoke("--lang", "zh", "check", DOC_000, "-j", "1"),
        **{f"{fmt}-{lang}": invoke("--lang", lang, "check", "--format", fmt, DOC_000, "-j", "1")
           for fmt in ("json", "sarif") for lang in ("zh", "en")},
    }


def test_check_in_chinese_prints_the_catalogues_status_and_summary(checked):
    outcome = checked["zh"]
    assert outcome.exit_code == 1, outcome.output
    lines = outcome.stdout.splitlines()
    status = next(line for line in lines if line.startswith(f"{DOC_000}: "))
    assert re.fullmatch(re.escape(f"{DOC_000}: 不通过：可再识别（最可能是 山西省/忻州市/原平市，风险 100%，匿名集 1）；")
                        + r"\d+ 条问题（re-identified）", status), status
    assert lines[-1].startswith("共 1 份文件：已检查 1 份，通过 0 份，不通过 1 份，未检查 0 份"
                                "（rules/policy.toml：K=5；判为不通过：re-identified、at-risk、near-duplicate-leak、"), lines[-1]
    first = lines[0]
    assert first.startswith(f"{DOC_000}:30:35: 错误: 天涯山: 地标，指向 山西省/忻州市/原平市（权重 "), first
    assert "：被遮蔽的地点可再识别（最可能是 山西省/忻州市/原平市，风险 100%，匿名集 1）；在各处遮蔽 天涯山（本文件 3 处）" in first
    assert first.endswith(" [re-identified]")  # rule ids stay as they are
    # Nothing English is left in the lines but the paths and the rule ids (the policy's).
    rule_ids = re.compile("|".join(sorted(map(re.escape, RULES), key=len, reverse=True)))
    for line in lines:
        assert not re.search(r"[A-Za-z]{2,}", rule_ids.sub("", re.sub(r"seeds/\S+|rules/policy\.toml", "", line))), line
    assert i18n.language() == i18n.language_from_environment()  # the command's language ended with it


def test_machine_formats_stay_english_whatever_the_language(checked):
    for fmt in ("json", "sarif"):
        zh, en = checked[f"{fmt}-zh"], checked[f"{fmt}-en"]
        assert zh.exit_code == en.exit_code == 1
        assert json.loads(zh.stdout) == json.loads(en.stdout)
    report = json.loads(checked["json-zh"].stdout)
    assert report["documents"][0]["status"] == "fail" and report["documents"][0]["verdict"] == "re-identified"
    assert report["documents"][0]["message"].startswith("re-identified as 山西省/忻州市/原平市 (risk 100%, anonymity set 1)")
    assert report["findings"][0]["why"].startswith("landmark pointing at 山西省/忻州市/原平市")


# --------------------------------------------------------------------------
# the report


def test_the_report_in_chinese_has_its_language_and_chinese_headings():
    with i18n.using("zh"):
        rendered = render(linked_seeds_result(), generated_at="2026-12-03 08:00")
    index, page = rendered["index.html"], page_of(rendered, DOC_000)
    for html in (index, page):
        assert html.startswith('<!DOCTYPE html>\n<html lang="zh-CN">')
        assert " · 脱敏审核</title>" in html and "生成于 2026-12-03 08:00" in html
    assert "<h1>脱敏审核</h1>" in index and '<h2 id="h-documents">文件</h2>' in index
    assert '<p class="headline">5 份文件中：可再识别 2 份、未脱敏 3 份。</p>' in index
    assert 'data-template="显示 {shown} 份，共 {total} 份文件" aria-live="polite">显示 5 份，共 5 份文件</output>' in index
    assert '<p class="verdict verdict-re-identified" lang="zh-CN">可再识别：最可能是 山西省忻州市原平市，风险 97%：崞阳（原平的乡镇）' in page
    for heading in ("最可能的地点", "推断所依据的线索", "各类型的遮蔽位置", "本文的副本", "文本", "遮蔽位置", "线索"):
        assert re.search(rf'<h2 id="h-[a-z]+"( tabindex="-1")?>{heading}</h2>', page), heading
    assert '<span class="type-tag tag-place">地名</span>' in page  # the type's name; its id stays in the class
    assert '<span class="badge badge-re-identified">可再识别</span>' in page
    # Headings, labels, column heads and captions carry no English word left untranslated.
    for html in (index, page):
        for tag, text in re.findall(r"<(h1|h2|h3|th|caption|dt|label|option)\b[^>]*>(.*?)</\1>", html, flags=re.S):
            shown = re.sub(r"<[^>]+>|seeds/\S+|[\w.]+\.txt|G\d+|\bS\d{4}\b", "", text)
            assert not re.search(r"[A-Za-z]{2,}", shown), (tag, text)


def test_the_report_in_english_is_as_it_was():
    rendered = render(linked_seeds_result())
    page = page_of(rendered, DOC_000)
    assert page.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert '<p class="verdict verdict-re-identified" lang="en">Re-identified: most likely 山西省忻州市原平市, risk 97%' in page
    assert '<h2 id="h-chart">Most likely places</h2>' in page


def test_the_scripts_words_come_from_the_page():
    with i18n.using("zh"):
        rendered = render(many_copies_result())
    page = page_of(rendered, "a.txt")
    assert 'data-all="已列出全部 {n} 处。"' in page and 'data-this-document="本文件"' in page
    assert "显示其余 30 处" in page
    with i18n.using("zh"):
        copies = page_of(render(copies_result()), "a.txt")
    assert '<div class="diff-doc">本文件</div>' in copies


@pytest.mark.browser
def test_the_pages_script_speaks_the_pages_language(browser, tmp_path):
    result = many_copies_result()
    n = len(result.inconsistencies)
    with i18n.using("zh"):
        write_report(result, tmp_path)
    visit = Visit(browser, doc_page(tmp_path, "a.txt"))
    page = visit.page
    slots = page.locator("#slots tbody tr").count()
    assert page.locator('.filters[data-table="slots"] output').inner_text() == f"显示 {slots} 个，共 {slots} 个遮蔽位置"
    page.check('.filters[data-table="slots"] input[type="checkbox"]')  # leaks only: none here
    assert page.locator('.filters[data-table="slots"] output').inner_text() == f"显示 0 个，共 {slots} 个遮蔽位置"
    page.click("button[data-more]")
    assert page.locator("#differences tbody tr").count() == n > DIFFERENCE_ROWS
    assert page.locator("#differences-more").inner_text() == f"已列出全部 {n} 处。"
    last = page.locator("#differences tbody tr").last  # made by the script, from the page's data
    assert last.locator(".diff-doc").first.inner_text() == "本文件" and last.locator(".type-tag").inner_text() == "地名"
    assert visit.errors == []
    page.close()


@pytest.fixture(scope="module")
def scanned_in_chinese(tmp_path_factory):
    out = tmp_path_factory.mktemp("zh") / "report"
    return invoke("--lang", "zh", "scan", DOC_000, "--out", str(out), "-j", "1"), out


def test_scan_in_chinese_prints_its_summary_and_writes_the_gate_in_chinese(scanned_in_chinese):
    outcome, out = scanned_in_chinese
    assert outcome.exit_code == 0, outcome.output
    lines = outcome.stdout.splitlines()
    assert re.fullmatch(r"扫描了 1 个文件，用时 [\d.]+ 秒：\d+ 个遮蔽位置", lines[0]), lines[0]
    assert re.fullmatch(re.escape(f"  {DOC_000}：") + r"\d+ 个遮蔽位置（数字 \d+、地名 \d+、.*）", lines[1]), lines[1]
    assert f"  {DOC_000}：可再识别（最可能是 山西省/忻州市/原平市，风险 100%，匿名集 1）" in lines
    assert lines[-1].startswith(f"已写入 {out}/slots.csv、")
    page = next((out / "docs").glob("*.html")).read_text(encoding="utf-8")
    assert '<h2 id="h-gate">发布检查：不通过</h2>' in page
    assert "<code>auditor check</code> 所用的策略：rules/policy.toml：K=5；判为不通过：re-identified、" in page
    assert '<span class="muted small">不通过</span> 明文可再识别出被遮蔽的地点。' in page  # the gate rule's short text
    assert ":30:35: 错误: 天涯山: 地标，指向 山西省/忻州市/原平市（权重 " in page
    assert "auditor fix 将遮蔽 " in page and "<td>指向该地点的线索</td>" in page
    # The tables stay as they are, in English.
    assert (out / "files.csv").read_text(encoding="utf-8").splitlines()[0] == ",".join(FILE_COLUMNS)
    documents = (out / "documents.csv").read_text(encoding="utf-8").splitlines()
    assert documents[0] == ",".join(DOCUMENT_COLUMNS) and ",re-identified," in documents[1]


# --------------------------------------------------------------------------
# auditor fix


def test_fix_summary_in_english_says_what_was_masked_and_what_still_fails(place_list_pipeline, small_corpus,
                                                                            tmp_path):
    done = remediate(small_corpus, tmp_path / "fixed", policy=load_policy(REPO_POLICY))
    summary = fix_text.format_fix_text(done)
    assert summary.startswith("Masked ") and "document(s) pass the policy" in summary.splitlines()[-1]
    (tmp_path / "one-round.toml").write_text("[fix]\nmax_rounds = 1\n", encoding="utf-8")
    stuck = remediate(small_corpus, tmp_path / "stuck", policy=load_policy(tmp_path / "one-round.toml"))
    assert not stuck.passed and "    not fixed: still failing after 1 round(s)" in fix_text.format_fix_text(stuck)


def test_fix_in_chinese(place_list_pipeline, small_corpus, tmp_path):
    outcome = invoke("--lang", "zh", "fix", "corpus", "--out", "fixed", "-j", "1", cwd=tmp_path)
    assert outcome.exit_code == 0, outcome.output
    lines = outcome.stdout.splitlines()
    assert re.fullmatch(r"经过 \d+ 轮，在 3 份文件中的 \d+ 份里遮蔽了 \d+ 个字符；副本在 fixed", lines[0]), lines[0]
    assert ("  fixed/000.txt：不通过，可再识别，风险 99%，匿名集 1 -> 通过，受保护，风险 2%，匿名集 60；"
            "遮蔽了 3 条线索的 4 处出现，共 140 个字符中的 8 个（5.71%）：崞阳 ×2、原平 ×1、轩岗 ×1") in lines
    assert lines[-1].startswith("重新审核 fixed：全部 3 份文件通过策略（")
    english = invoke("--lang", "en", "fix", "corpus", "--out", "fixed", "--format", "json", "-j", "1", cwd=tmp_path)
    chinese = invoke("--lang", "zh", "fix", "corpus", "--out", "fixed", "--format", "json", "-j", "1", cwd=tmp_path)
    assert json.loads(chinese.stdout) == json.loads(english.stdout)


# --------------------------------------------------------------------------
# which language


@pytest.fixture
def no_locale(monkeypatch):
    for name in LOCALE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize("environment, language", [
    ({}, "en"),
    ({"LANG": "zh_CN.UTF-8"}, "zh"),
    ({"LANG": "C"}, "en"),
    ({"LANG": "C.UTF-8"}, "en"),
    ({"LANG": "en_GB.UTF-8"}, "en"),
    ({"LANG": "fr_FR.UTF-8"}, "en"),
    ({"LANG": "zh_TW.UTF-8"}, "zh"),
    ({"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "C"}, "zh"),
    ({"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}, "en"),
    ({"LC_ALL": "", "LANG": "zh_CN.UTF-8"}, "zh"),  # set but empty: not said
    ({"AUDITOR_LANG": "en", "LANG": "zh_CN.UTF-8"}, "en"),
    ({"AUDITOR_LANG": "zh", "LC_ALL": "C"}, "zh"),
    ({"AUDITOR_LANG": "ZH"}, "zh"),
    ({"AUDITOR_LANG": "fr"}, "en"),
])
def test_the_language_comes_from_auditor_lang_then_the_locale(environment, language):
    assert i18n.language_from_environment(environment) == language


@pytest.fixture
def empty_folder(tmp_path) -> Path:
    (tmp_path / "empty").mkdir()
    return tmp_path / "empty"


CHINESE_ERROR = "auditor：错误：{} 下没有文本文件"
ENGLISH_ERROR = "auditor: error: no text files under {}"


@pytest.mark.parametrize("environment, options, error", [
    ({"LANG": "zh_CN.UTF-8"}, [], CHINESE_ERROR),
    ({"LANG": "C"}, [], ENGLISH_ERROR),
    ({}, [], ENGLISH_ERROR),
    ({"AUDITOR_LANG": "en", "LANG": "zh_CN.UTF-8"}, [], ENGLISH_ERROR),
    ({"AUDITOR_LANG": "zh", "LANG": "C"}, [], CHINESE_ERROR),
    ({"LANG": "zh_CN.UTF-8"}, ["--lang", "en"], ENGLISH_ERROR),
    ({"AUDITOR_LANG": "en"}, ["--lang", "zh"], CHINESE_ERROR),
])
def test_the_cli_speaks_the_option_then_auditor_lang_then_the_locale(no_locale, empty_folder, environment, options,
                                                                     error):
    for name, value in environment.items():
        no_locale.setenv(name, value)
    outcome = invoke(*options, "check", str(empty_folder))
    assert outcome.exit_code == 2
    assert outcome.stderr == error.format(empty_folder) + "\n"
    assert i18n.language() == i18n.language_from_environment()  # as it was before the command


def test_an_unknown_language_is_a_usage_error():
    outcome = invoke("--lang", "fr", "check", DOC_000)
    assert outcome.exit_code == 2
    assert "Invalid value for '--lang': 'fr' is not one of 'en', 'zh'." in outcome.stderr
    assert "Traceback" not in outcome.output and isinstance(outcome.exception, SystemExit)
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        i18n.set_language("fr")


def test_english_is_the_msgids_and_never_reads_the_catalogue():
    i18n.translations.cache_clear()
    with i18n.using("en"):
        assert i18n._("Overview") == "Overview"
        assert i18n.ngettext("{n} document", "{n} documents", 2) == "{n} documents"
        assert i18n.pgettext("verdict", "protected") == "protected"
        assert i18n.listing(["a", "b"]) == "a, b" and i18n.html_lang() == "en"
    assert i18n.translations.cache_info().currsize == 0
    with i18n.using("zh"):
        assert i18n._("Overview") == "总览" and i18n.listing(["a", "b"]) == "a、b" and i18n.html_lang() == "zh-CN"
        assert i18n.ngettext("{n} document", "{n} documents", 2) == "{n} 份文件"
        assert i18n.pgettext("verdict", "protected") == "受保护"
        assert i18n._("a msgid the catalogue does not hold") == "a msgid the catalogue does not hold"


# --------------------------------------------------------------------------
# the catalogue


def extracted() -> dict[tuple[str | None, str], list[str]]:
    """Every msgid of the Python sources and the templates, as `make messages` extracts it
    (babel.cfg's mapping: Babel's extractors, and auditor.locale's for the gate's rules)."""
    with open(REPO / "babel.cfg", encoding="utf-8") as handle:
        parse = getattr(frontend, "parse_mapping_cfg", None) or frontend.parse_mapping  # Babel < 2.14
        method_map, options_map = parse(handle, "babel.cfg")
    found: dict[tuple[str | None, str], list[str]] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
            str(REPO), method_map, options_map, keywords=DEFAULT_KEYWORDS):
        found.setdefault((context, message), []).append(f"{filename}:{lineno}")
    return found


def catalogue(lang: str = "zh"):
    path = REPO / "auditor" / "locale" / lang / "LC_MESSAGES" / "auditor.po"
    with open(path, "rb") as handle:
        return read_po(handle, locale=lang)


def _fields(text: str) -> set[str]:
    """The named fields of a str.format template and of a %-format one."""
    names = {name for _, name, _, _ in string.Formatter().parse(text) if name}
    return names | set(re.findall(r"%\((\w+)\)s", text))


def test_every_msgid_of_the_code_and_templates_has_its_chinese():
    found = extracted()
    assert len(found) > 300 and (None, "Overview") in found and ("verdict", "re-identified") in found
    assert (None, "The clear text re-identifies the masked place.") in found  # a gate rule's short text
    for lang in (lang for lang in i18n.LANGUAGES if lang != i18n.DEFAULT_LANGUAGE):
        translated = catalogue(lang)
        missing = []
        for (context, message), where in sorted(found.items(), key=str):
            msgid = message[0] if isinstance(message, tuple) else message
            entry = translated.get(msgid, context=context)
            strings = [] if entry is None else list(entry.string) if isinstance(entry.string, tuple) else [entry.string]
            if entry is None or entry.fuzzy or not strings or not all(strings):
                missing.append(f"{where[0]}: {message!r}" + (" (fuzzy)" if entry is not None and entry.fuzzy else ""))
        assert not missing, f"{lang}: no translation (run `make messages` and translate):\n" + "\n".join(missing)


def test_every_translation_has_the_fields_of_its_msgid_and_formats():
    for message in catalogue():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            assert _fields(text) == _fields(ids[0]), (message.id, text)
            values = {name: 0.5 for name in _fields(text)}
            if "{" in ids[0]:
                text.format(**values)  # a brace template (the code's)
            if "%(" in ids[0]:
                _ = text % values  # a Jinja one
    assert [(message.id, errors) for message, errors in catalogue().check()] == []  # Babel's own checks


def test_the_catalogue_holds_no_stale_entry():
    """What `make messages` would drop (obsolete) or leave for a translator (fuzzy)."""
    found = {(context, message[0] if isinstance(message, tuple) else message) for context, message in extracted()}
    stale = [(m.context, m.id) for m in catalogue() if m.id
             and (m.context, m.id[0] if isinstance(m.id, tuple) else m.id) not in found]
    assert not stale, f"msgids no code uses any more (run `make messages`): {stale}"

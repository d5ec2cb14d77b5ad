"""The HTML report: what it shows, that the text stays text, and that it runs offline.

Results are built from records (SourceText, Slot, Clue, Identity, ...) so the
tests do not depend on the linker; slots come from the real slot finder.
"""
from __future__ import annotations

import base64
import dataclasses
import csv
import hashlib
import html
import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

import auditor
from click.testing import CliRunner
from conftest import audit_seeds
from auditor.cli import main
from auditor.output.gate import evaluate, format_text, load_policy, resolve_policy
from auditor.records import Candidate, Clue, Identity, Inconsistency, SourceText
from auditor.fix import plan_fix
from auditor.output.writer import build_review
from auditor.output.report import DIFFERENCE_ROWS, GATE_FINDINGS, build_views, page_name, render, write_report
from auditor.rules import load_rules
from auditor.scan import Analyzer, AuditResult
from auditor.output.tables import write_tables

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
CHROMIUM = Path("/usr/bin/chromium")
DOC_000 = "seeds/000_f10a573ecf1e5254.txt"
DOC_001 = "seeds/001_205791ec78af48ee.txt"

YUANPING = "山西省/忻州市/原平市"


class Gazetteer:
    """A few real units under their real names; the report only asks for paths."""

    paths = {
        1: YUANPING,
        2: YUANPING + "/崞阳镇",
        3: YUANPING + "/轩岗镇",
        4: "山西省/忻州市/忻府区",
        5: "山西省/忻州市/定襄县",
        6: "山西省/忻州市",
    }

    def path(self, uid: int) -> str:
        return self.paths[uid]


# --------------------------------------------------------------------------
# Building results


def analyse(doc: str, text: str, status: str = "ok", message: str = ""):
    source = SourceText(doc=doc, path=f"/corpus/{doc}", text=text, encoding="utf-8" if status == "ok" else "",
                        status=status, message=message)
    return Analyzer(load_rules(), with_clues=False).analyse(source)


def clue_at(analysis, word: str, kind: str, candidates=(), level: str = "", weight: float = 0.0,
            occurrence: int = 0, rule: str = "") -> Clue:
    text = analysis.source.text
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(word, start + 1)
    return Clue(doc=analysis.doc, start=start, end=start + len(word), line=text.count("\n", 0, start) + 1,
                text=word, kind=kind, candidates=tuple(candidates), weight=weight, rule=rule, level=level)


def candidates(n: int = 12) -> list[Candidate]:
    others = ["山西省/忻州市/忻府区", "山西省/忻州市/定襄县", "山西省/忻州市/代县", "山西省/忻州市/五台县",
              "山西省/忻州市/繁峙县", "山西省/忻州市/宁武县", "山西省/忻州市/静乐县", "山西省/忻州市/神池县",
              "山西省/忻州市/五寨县", "山西省/忻州市/岢岚县", "山西省/忻州市/河曲县"]
    rest = [Candidate(path, "county", round(0.003 / (i + 1), 5)) for i, path in enumerate(others)]
    return ([Candidate(YUANPING, "county", 0.99)] + rest)[:n]


def seeds_result() -> AuditResult:
    return audit_seeds(link=False)


def linked_seeds_result() -> AuditResult:
    """The seeds as the linker would leave them: 000 and 001 copies of one
    report of 原平, with clues on 000's real place names."""
    result = seeds_result()
    a000 = result.analysis(DOC_000)
    a000 = dataclasses.replace(a000, clues=sorted([
        clue_at(a000, "崞阳", "admin", (2,), "town", 0.31, rule="town-name"),
        clue_at(a000, "轩岗镇", "admin", (3,), "town", 0.27, rule="town-name"),
        # a shorter clue inside a longer one: the page must draw one of them
        clue_at(a000, "轩岗", "unverified", (), "", 0.0, rule="unknown-name"),
        clue_at(a000, "驻原部队", "abbreviation", (1,), "county", 0.22, rule="garrison-abbreviation"),
        clue_at(a000, "滹沱河", "landmark", (1, 6), "", 0.05, rule="river"),
        clue_at(a000, "滹沱河", "landmark", (1, 6), "", 0.05, occurrence=1, rule="river"),
    ], key=lambda c: (c.start, c.end)))
    a000 = dataclasses.replace(a000, slots=[
        dataclasses.replace(slot, recovered="原平", recovered_confidence=0.97, leak=True,
                            recovered_evidence="崞阳, 轩岗镇 and 驻原部队 all point to 原平市")
        if slot.slot_type == "place" and slot.place_level == "county" else slot for slot in a000.slots])
    analyses = [a000 if a.doc == DOC_000 else a for a in result.analyses]
    identities = []
    # the linker lists the clues an identity rests on heaviest first
    top = sorted((c for c in a000.clues if c.text in ("崞阳", "轩岗镇", "驻原部队")), key=lambda c: -c.weight)
    for doc in (DOC_000, DOC_001):
        identities.append(Identity(
            doc=doc, group="g-yuanping", n_slots=len(result.analysis(doc).slots), identity=YUANPING,
            identity_level="county", confidence=0.99, anonymity_set=1, verdict="re-identified", risk=0.97,
            candidates=candidates(), top_clues=top if doc == DOC_000 else [],
        ))
    for analysis in result.analyses:
        if analysis.doc not in (DOC_000, DOC_001):
            identities.append(Identity(doc=analysis.doc, group=f"g-{analysis.doc.removeprefix('seeds/')[:3]}", n_slots=0,
                                       verdict="not-anonymised"))
    return AuditResult(analyses, identities, gazetteer=Gazetteer())


HOSTILE_TEXT = (
    "各位代表：<script>alert(1)</script>\n"
    "全年地区生产总值完成×亿元，同比增长×%。<img src=x onerror=alert(1)>\n"
    '重振×雄风<img src=x onerror="window.__xss=1"><b onmouseover=alert(2)>粗体</b>\n'
    "详见 https://evil.example/x.js 与 &amp; &lt;不是标签&gt;。\n"
)
HOSTILE_NAME = "x<img src=y onerror=alert(3)>.txt"


def hostile_result() -> AuditResult:
    analysis = analyse(HOSTILE_NAME, HOSTILE_TEXT)
    analysis = dataclasses.replace(analysis, clues=[clue_at(analysis, "<b onmouseover=alert(2)>粗体</b>", "unverified",
                                                            rule="<svg onload=alert(4)>")])
    return AuditResult([analysis])


def copies_result() -> AuditResult:
    """Two copies of a sentence: one masks the county, the other leaves it readable."""
    masked = analyse("a.txt", "过去一年，是×发展史上极不平凡的一年。全年完成×亿元。\n")
    clear = analyse("b.txt", "过去一年，是原平发展史上极不平凡的一年。全年完成×亿元。\n")
    place = next(s for s in masked.slots if s.slot_type == "place")
    start = clear.source.text.index("原平")
    return AuditResult([masked, clear], inconsistencies=[
        Inconsistency("a.txt", place.slot_id, "b.txt", start, start + 2, "原平")], identities=[
        Identity("a.txt", "g1", len(masked.slots), YUANPING, "county", 0.95, 1, "re-identified", risk=0.95,
                 candidates=candidates(3)),
        Identity("b.txt", "g1", len(clear.slots), YUANPING, "county", 1.0, 1, "not-anonymised",
                 candidates=candidates(1)),
    ])


def many_copies_result(n: int = DIFFERENCE_ROWS + 30) -> AuditResult:
    """Two copies of a long list: one masks the town on every line, the other
    reads it; the readable copy also carries markup that must stay text."""
    masked = analyse("a.txt", "".join(f"第{i}项工程在×镇完工，<script>alert({i})</script>\n" for i in range(n)))
    clear = analyse("b.txt", "".join(f"第{i}项工程在崞阳镇</script><!--完工\n" for i in range(n)))
    starts = [m.start() for m in re.finditer("崞阳", clear.source.text)]
    result = AuditResult([masked, clear], inconsistencies=[
        Inconsistency("a.txt", slot.slot_id, "b.txt", start, start + 2, "崞阳") for slot, start in zip(masked.slots, starts)])
    assert len(result.inconsistencies) == n
    return result


# --------------------------------------------------------------------------
# Reading the rendered HTML


class Page(HTMLParser):
    """The elements of a page, and the text inside the element with id=text."""

    def __init__(self, source: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.scripts: list[str] = []  # the scripts a browser runs
        self.data_scripts: list[str] = []  # <script type="application/json">: data, never run
        self._in_script = None
        self._text_depth = 0
        self.text_parts: list[str] = []
        self.feed(source)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = {k: v or "" for k, v in attrs}
        self.elements.append((tag, attributes))
        self._in_script = None
        if tag == "script":
            self._in_script = self.data_scripts if attributes.get("type") == "application/json" else self.scripts
        if self._text_depth:
            self._text_depth += 1
        elif attributes.get("id") == "text":
            self._text_depth = 1

    def handle_endtag(self, tag):
        self._in_script = None
        if self._text_depth:
            self._text_depth -= 1

    def handle_data(self, data):
        if self._in_script is not None:
            self._in_script.append(data)
        if self._text_depth:
            self.text_parts.append(data)

    @property
    def text(self) -> str:
        return "".join(self.text_parts)

    def having(self, attribute: str) -> list[dict[str, str]]:
        return [attrs for _, attrs in self.elements if attribute in attrs]


def page_of(rendered: dict[str, str], doc: str) -> str:
    href = "docs/" + page_name(doc, set())
    assert href in rendered, f"no page for {doc}: {sorted(rendered)}"
    return rendered[href]


# --------------------------------------------------------------------------
# Rendering (no browser)


def test_000_page_has_one_highlight_per_slot_and_the_text_is_unchanged():
    result = seeds_result()
    analysis = result.analysis(DOC_000)
    page = Page(page_of(render(result), DOC_000))
    marked = page.having("data-slot-id")
    assert len(marked) == len(analysis.slots) == 271
    assert [m["data-slot-id"] for m in marked] == [s.slot_id for s in analysis.slots]
    assert page.text == analysis.source.text
    first = next(m for m in marked if m["data-slot-id"] == "S0001")
    assert first["class"].split()[:2] == ["slot", "slot-place"]
    assert first["tabindex"] == "0"
    assert "place, county level" in first["title"] and "line 4, column 7" in first["title"]


def test_slots_without_a_linker_leave_the_identity_blank():
    result = seeds_result()
    rendered = render(result)
    overview = rendered["index.html"]
    assert overview.count('<span class="badge badge-none">not linked</span>') == 5
    assert "identities not inferred" in overview
    doc = page_of(rendered, DOC_000)
    assert "271 redaction slots found; no identity was inferred" in doc
    assert "<svg" not in doc
    # unredacted prefecture reports: × there are multiplication signs, no slots
    assert "No redaction slots in this document." in page_of(rendered, "seeds/002_dcf08f31ebd92ceb.txt")


def test_verdict_sentence_names_the_place_and_its_clues():
    rendered = render(linked_seeds_result())
    doc = html.unescape(page_of(rendered, DOC_000))
    # the risk, not the confidence: the chance that a reader's best single guess is right
    assert ("Re-identified: most likely 山西省忻州市原平市, risk 97%: 崞阳 (town of 原平), "
            "轩岗镇 (town of 原平), 驻原部队 (abbreviation of 原平)") in doc
    assert "<dt>Risk</dt>" in doc and "99% confident" not in doc


def test_weaker_verdicts_say_how_many_places_remain():
    result = copies_result()
    result.identities[0] = Identity("a.txt", "g1", 2, YUANPING, "county", 0.996, 3, "at-risk", risk=0.996,
                                    candidates=candidates(3))
    result.identities[1] = Identity("b.txt", "g1", 1, "", "", 0.2, 40, "protected", risk=0.02)
    overview, pages = build_views(result)
    sentences = {p.row.doc: p.sentence for p in pages}
    # 99.6% is not certainty: it must not read as 100%
    assert sentences["a.txt"] == "At risk: most likely 山西省忻州市原平市 (risk 99%, one of 3 places a reader cannot tell apart)."
    assert sentences["b.txt"] == "Protected: 40 places a reader cannot tell apart."
    assert overview.headline == "Of 2 documents: 1 at risk, 1 protected."


def test_chart_shows_the_ten_most_likely_places_best_first():
    rendered = render(linked_seeds_result())
    page = Page(page_of(rendered, DOC_000))
    bars = [attrs for tag, attrs in page.elements if tag == "g" and "bar" in attrs.get("class", "").split()]
    assert len(bars) == 10  # of 12 candidates
    assert bars[0]["class"] == "bar chosen"
    widths = [float(attrs["width"]) for tag, attrs in page.elements
              if tag == "rect" and attrs.get("class") == "bar-fill"]
    assert widths == sorted(widths, reverse=True) and widths[0] > 10 * widths[1]


def test_clues_are_underlined_by_kind_without_overlaps():
    result = linked_seeds_result()
    analysis = result.analysis(DOC_000)
    page = Page(page_of(render(result), DOC_000))
    clues = page.having("data-clue")
    # 轩岗 lies inside 轩岗镇: only the longer one is drawn, the other is named in its tooltip
    assert sorted(c["data-clue"] for c in clues) == ["abbreviation", "admin", "admin", "landmark", "landmark"]
    town = next(c for c in clues if "轩岗镇" in c["title"])
    assert "also read as: 轩岗 (unverified)" in town["title"]
    assert "points to: 山西省/忻州市/原平市/轩岗镇" in town["title"]
    assert "top-clue" in town["class"]
    assert page.text == analysis.source.text
    assert len(page.having("data-slot-id")) == len(analysis.slots)


def test_leaking_slots_are_flagged_in_the_text_and_the_table():
    result = linked_seeds_result()
    analysis = result.analysis(DOC_000)
    leaks = [s for s in analysis.slots if s.leak]
    assert leaks
    page = Page(page_of(render(result), DOC_000))
    leaking = [m for m in page.having("data-slot-id") if "leak" in m["class"].split()]
    assert [m["data-slot-id"] for m in leaking] == [s.slot_id for s in leaks]
    assert "recovered: 原平 (97%)" in leaking[0]["title"]
    rows = [attrs for tag, attrs in page.elements if tag == "tr" and attrs.get("data-leak") == "1"]
    assert len(rows) == len(leaks)


def test_a_script_in_a_document_is_shown_as_text():
    result = hostile_result()
    rendered = render(result)
    doc = next(v for k, v in rendered.items() if k.startswith("docs/"))
    page = Page(doc)
    assert page.text == HOSTILE_TEXT
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in doc
    # the x of src=x is itself taken for a mask (X masks), so it is a slot of its own
    assert "&lt;img src=<mark" in doc and "onerror=alert(1)&gt;" in doc
    for source in (doc, rendered["index.html"]):
        parsed = Page(source)
        tags = [tag for tag, _ in parsed.elements]
        assert "img" not in tags and "b" not in tags
        assert tags.count("script") == 1 + len(parsed.data_scripts)
        assert parsed.scripts == [(ROOT / "auditor" / "templates" / "report.js").read_text(encoding="utf-8")]
        # the data the script reads holds no markup: a text cannot end its element
        assert all("<" not in data and ">" not in data for data in parsed.data_scripts)
        handlers = [(tag, name) for tag, attrs in parsed.elements for name in attrs if name.startswith("on")]
        assert handlers == []
    assert "x&lt;img src=y onerror=alert(3)&gt;.txt" in rendered["index.html"]


def test_the_script_policy_allows_only_the_report_script():
    page = Page(render(seeds_result())["index.html"])
    policy = next(a["content"] for t, a in page.elements if a.get("http-equiv") == "Content-Security-Policy")
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'none'"
    # inline handlers and injected scripts would need 'unsafe-inline' or their own hash
    digest = base64.b64encode(hashlib.sha256(page.scripts[0].encode("utf-8")).digest()).decode("ascii")
    assert directives["script-src"] == f"'sha256-{digest}'"


def test_rendering_is_deterministic(tmp_path):
    first = write_report(seeds_result(), tmp_path / "one")
    second = write_report(seeds_result(), tmp_path / "two")
    files = sorted(p.relative_to(first.parent) for p in first.parent.rglob("*.html"))
    assert len(files) == 6
    for relative in files:
        assert (first.parent / relative).read_bytes() == (second.parent / relative).read_bytes(), relative
    assert render(linked_seeds_result()) == render(linked_seeds_result())


def test_the_time_stamp_appears_only_when_given():
    assert "generated" not in render(seeds_result())["index.html"]
    assert "generated 2024-05-01 12:00" in render(seeds_result(), generated_at="2024-05-01 12:00")["index.html"]


def test_no_page_refers_to_anything_on_the_network():
    for result in (seeds_result(), linked_seeds_result(), hostile_result()):
        for name, source in render(result).items():
            for tag, attrs in Page(source).elements:
                for attribute in ("src", "href", "action", "xlink:href"):
                    value = attrs.get(attribute, "").strip().lower()
                    assert not value.startswith(("http:", "https:", "//")), (name, tag, value)
            style = source.split("<style>")[1].split("</style>")[0]
            assert "url(" not in style and "@import" not in style


def test_unreadable_files_get_a_row_and_no_page(tmp_path):
    result = AuditResult([
        analyse("good.txt", "全年完成×亿元。\n"),
        analyse("scan.pdf.txt", "", "binary", "looks like binary data (NUL bytes)"),
    ])
    index = write_report(result, tmp_path)
    overview = index.read_text(encoding="utf-8")
    assert "looks like binary data (NUL bytes)" in overview
    assert '<span class="badge badge-problem">binary</span>' in overview
    assert sorted(p.name for p in (tmp_path / "docs").iterdir()) == ["good.txt.html"]
    assert 'href="docs/good.txt.html"' in overview and "scan.pdf.txt.html" not in overview


def test_copies_show_their_differences_side_by_side():
    result = copies_result()
    rendered = render(result)
    masked = Page(page_of(rendered, "a.txt"))
    slot = next(m for m in masked.having("data-slot-id") if m["data-type"] == "place")
    assert "readable in \u2068b.txt\u2069 as 原平" in slot["title"]  # the name isolated (U+2068…U+2069)
    source = page_of(rendered, "a.txt")
    assert 'this document</div><div class="snippet" lang="zh-CN">过去一年，是<span class="masked">×</span>发展史上' in source
    assert '<div class="snippet" lang="zh-CN">过去一年，是<span class="revealed">原平</span>发展史上' in source
    # the copy that leaves the name readable lists the same place, the other way round
    assert '<span class="revealed">原平</span>' in page_of(rendered, "b.txt")
    overview = rendered["index.html"]
    assert 'Near-duplicate groups' in overview and '<td class="mono">g1</td>' in overview


def test_a_long_list_of_differences_keeps_the_rest_as_data_that_stays_data():
    result = many_copies_result()
    n = len(result.inconsistencies)
    rendered = render(result)
    for doc, here in (("a.txt", "masked"), ("b.txt", "revealed")):
        source = page_of(rendered, doc)
        page = Page(source)
        rows = source.split('<table id="differences"')[1].split("<tbody>")[1].split("</tbody>")[0].count("<tr>")
        assert rows == DIFFERENCE_ROWS
        assert f"The first {DIFFERENCE_ROWS} are listed, and {n - DIFFERENCE_ROWS} more." in source
        # the rest sits in one data block, which the browser does not run, and
        # whose text cannot close it: no "<" at all, though the text has "</script>"
        assert [a.get("type") for t, a in page.elements if t == "script"] == ["application/json", None]
        block = source.split('<script type="application/json" id="differences-data">')[1].split("</script>")[0]
        assert "<" not in block and ">" not in block and "&" not in block
        data = json.loads(block)
        assert len(data["rows"]) == n - DIFFERENCE_ROWS
        assert data["docs"] == [["a.txt", "../docs/a.txt.html"], ["b.txt", "../docs/b.txt.html"]]
        slot, slot_type, linked, masked_here, masking, masked, revealing, revealed = data["rows"][0]
        assert (slot, slot_type, linked, masked_here) == (f"S{DIFFERENCE_ROWS + 1:04d}", "place", *(
            (1, 1) if here == "masked" else (0, 0)))
        assert data["docs"][masking][0] == "a.txt" and data["docs"][revealing][0] == "b.txt"
        assert data["snippets"][masked][1] == "×" and data["snippets"][revealed][1] == "崞阳"
        assert data["snippets"][revealed][2] == "镇</script><!--完工"  # CONTEXT_CHARS of them
        assert data["snippets"][masked][2].startswith("镇完工，<script>")
    assert render(result) == rendered  # the data too is the same bytes every time


def test_page_names_are_unique_and_safe():
    taken: set[str] = set()
    names = [page_name(doc, taken) for doc in ("a/b.txt", "a_b.txt", "A_B.txt", "报告.txt", "报告2.txt", "../x.txt")]
    assert len(set(n.lower() for n in names)) == len(names)
    assert names[1] == "a_b.txt.html"
    assert all("/" not in n and not n.startswith(".") for n in names)


def test_pages_of_an_earlier_scan_are_removed(tmp_path):
    write_report(seeds_result(), tmp_path)
    assert len(list((tmp_path / "docs").glob("*.html"))) == 5
    write_report(copies_result(), tmp_path)
    assert sorted(p.name for p in (tmp_path / "docs").glob("*.html")) == ["a.txt.html", "b.txt.html"]


def test_overview_counts_slots_by_type_and_verdicts():
    result = linked_seeds_result()
    overview, pages = build_views(result)
    slots = [s for a in result.analyses for s in a.slots]
    assert overview.n_slots == len(slots) == 271 + 283
    assert {t.slot_type: t.count for t in overview.type_counts} == {
        kind: sum(1 for s in slots if s.slot_type == kind) for kind in {s.slot_type for s in slots}}
    assert overview.type_counts[0].slot_type == "place"  # the most sensitive type comes first
    assert overview.verdict_counts == [("re-identified", "Re-identified", 2), ("not-anonymised", "Not anonymised", 3)]
    assert [g.group for g in overview.groups] == ["g-yuanping"]
    assert [p.row.doc for p in pages] == sorted(a.doc for a in seeds_result().analyses)


# --------------------------------------------------------------------------
# The gate's status and what fix would mask, on the seeds as audited


@pytest.fixture(scope="module")
def audited_seeds():
    return audit_seeds()


@pytest.fixture(scope="module")
def gated_seeds(audited_seeds):
    """The report of the seeds under the default policy, beside what `auditor check` says of them."""
    policy = resolve_policy(None, None)
    rendered = render(audited_seeds, review=build_review(audited_seeds, policy))
    return rendered, format_text(evaluate(audited_seeds, policy)), plan_fix(audited_seeds, policy)


def visible_text(source: str, start: str, end: str = "</section>") -> str:
    part = source[source.index(start):]
    part = part[:part.index(end)]
    part = re.sub(r"</?bdi>", "", part)  # inline: it isolates a name, it does not break the line
    return html.unescape(re.sub(r"<[^>]+>", " ", part))


def test_a_reidentified_page_says_it_fails_with_the_rules_and_lines_of_auditor_check(gated_seeds):
    rendered, check_output, _ = gated_seeds
    page = page_of(rendered, DOC_000)
    gate = visible_text(page, '<section class="gate')
    assert "Publication gate: FAIL" in gate
    # the document's own line of `auditor check`, word for word (without its path)
    summary = next(line for line in check_output.splitlines() if line.startswith(f"{DOC_000}: FAIL: "))
    assert summary.removeprefix(f"{DOC_000}: ") in gate
    rules = [attrs["data-rule"] for attrs in Page(page).having("data-rule")]
    assert rules[0] == "re-identified"
    assert "The clear text re-identifies the masked place." in gate
    findings = [line for line in check_output.splitlines()
                if line.startswith(f"{DOC_000}:") and line.endswith("[re-identified]")]
    assert findings and all(line in gate for line in findings[:GATE_FINDINGS])
    # the overview: the gate column and the count of failing documents
    overview = rendered["index.html"]
    assert overview.count('<span class="badge badge-gate-fail">FAIL</span> <span class="gate-rules-inline">'
                          're-identified') == 2
    assert check_output.splitlines()[-1] in html.unescape(overview)


def test_a_failing_page_lists_what_fix_would_mask_at_its_line_and_column(gated_seeds, audited_seeds):
    rendered, _, plan = gated_seeds
    planned = plan.document(DOC_000)
    assert planned.spans and planned.before.status == "fail"
    page = page_of(rendered, DOC_000)
    table = page.split('<table id="fix-masks"')[1].split("</table>")[0]
    rows = [html.unescape(re.sub(r"<[^>]+>", "|", row)) for row in table.split("<tr>")[2:]]
    cells = [[cell for cell in row.split("|") if cell.strip()] for row in rows]
    assert [(c[0], c[1], c[2]) for c in cells] == [(f"{s.line}:{s.column}", s.text, s.label) for s in planned.spans]
    text = audited_seeds.analysis(DOC_000).source.text
    lines = text.split("\n")
    for span in planned.spans:  # each position names the clear text it masks in the original
        assert lines[span.line - 1][span.column - 1:].startswith(span.text)
    # 崞阳古城 keeps its ending, as fix writes it
    assert ["崞阳", "崞阳古城", "×古城"] == next(c[1:4] for c in cells if c[2] == "崞阳古城")
    summary = visible_text(page, '<p class="fix-summary">', "</p>")
    assert (f"auditor fix would mask {len(planned.spans)} runs of clear text ({len(planned.masked)} clues), "
            f"{planned.chars_masked} of {len(text)} characters") in summary
    # and what the gate would then say of the masked copy (fix's re-audit; a pass, once fix succeeds)
    assert f"the masked copy would then be {'FAIL' if planned.after.failed else planned.after.status} (" in summary


def test_an_unmasked_seed_is_not_anonymised_and_fix_leaves_it(gated_seeds):
    rendered, check_output, _ = gated_seeds
    doc = "seeds/002_dcf08f31ebd92ceb.txt"
    gate = visible_text(page_of(rendered, doc), '<section class="gate')
    assert "Publication gate: not anonymised" in gate and "FAIL" not in gate
    assert f"{doc}: note: no masks found, so nothing hides a place; the document is not checked [not-anonymised]" in gate
    assert f"{doc}: not anonymised: no masks: nothing to check" in check_output
    assert "Nothing: the document does not fail the policy (not anonymised)" in gate
    assert 'id="fix-masks"' not in page_of(rendered, doc)


def unreadable_corpus(tmp_path, seed_path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "002.txt").write_bytes(seed_path("002").read_bytes())
    (corpus / "scan.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)) * 8)
    return corpus


def test_scan_shows_a_file_it_could_not_read_as_not_checked_and_failing(tmp_path, seed_path, monkeypatch):
    unreadable_corpus(tmp_path, seed_path)
    monkeypatch.chdir(tmp_path)
    outcome = CliRunner().invoke(main, ["scan", "corpus", "--out", "out", "-j", "1", "-q"])
    assert outcome.exit_code == 0, outcome.output
    overview = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    problems = overview.split('id="h-problems"')[1]
    row = next(r for r in problems.split("<tr>") if "scan.txt" in r)
    assert ('<span class="badge badge-gate-fail">FAIL</span> <span class="gate-rules-inline">not-checked</span>'
            in row and "not checked" in row)
    # as `auditor check` counts them: the unreadable file is no pass
    assert "Publication gate: 2 documents: 1 checked, 1 passed, 0 failed, 1 not checked (" in html.unescape(overview)


def test_scan_applies_the_policy_it_is_given(tmp_path, seed_path, monkeypatch):
    unreadable_corpus(tmp_path, seed_path)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "strict.toml").write_text('[rules]\nnot-anonymised = "fail"\n', encoding="utf-8")
    outcome = CliRunner().invoke(main, ["scan", "corpus", "--out", "out", "-j", "1", "-q", "--policy", "strict.toml"])
    assert outcome.exit_code == 0, outcome.output
    page = (tmp_path / "out" / "docs" / page_name("corpus/002.txt", set())).read_text(encoding="utf-8")
    gate = visible_text(page, '<section class="gate')
    assert "Publication gate: FAIL" in gate and f"strict.toml: {load_policy(tmp_path / 'strict.toml').describe()}" in gate
    assert [a["data-rule"] for a in Page(page).having("data-rule")] == ["not-anonymised"]
    # without masks there is nothing fix could mask
    assert "auditor fix finds nothing it can mask here: no masks to extend" in gate
    (tmp_path / "bad.toml").write_text("min_anonymity_set = 0\n", encoding="utf-8")
    outcome = CliRunner().invoke(main, ["scan", "corpus", "--out", "out2", "-q", "--policy", "bad.toml"])
    assert outcome.exit_code == 2 and "min_anonymity_set must be at least 1" in outcome.output
    assert not (tmp_path / "out2").exists()
    assert "--policy" in CliRunner().invoke(main, ["scan", "--help"]).output


def test_without_the_linker_no_readable_document_gets_a_status(tmp_path, seed_path):
    corpus = unreadable_corpus(tmp_path, seed_path)
    unlinked = auditor.audit([corpus], link=False)
    rendered = render(unlinked, review=build_review(unlinked, resolve_policy(None, None)))
    page = page_of(rendered, f"{corpus.as_posix()}/002.txt")
    assert '<section class="gate' not in page and "The gate was not applied" in page
    overview = rendered["index.html"]
    # only the unreadable file (in the documents table and the problems table): not checked, whatever the linker
    assert overview.count('class="badge badge-gate-') == 2
    assert overview.count('<span class="badge badge-gate-fail">FAIL</span> <span class="gate-rules-inline">'
                          'not-checked</span>') == 2


# --------------------------------------------------------------------------
# In a browser


BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("browser tests need Chromium at /usr/bin/chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="module")
def seeds_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("seeds-report")
    result = linked_seeds_result()
    write_tables(result, out)
    write_report(result, out)
    return out


class Visit:
    """A page opened in the browser, with every console error and dialog it caused."""

    def __init__(self, browser, path: Path):
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.goto(path.resolve().as_uri())
        self.page.wait_for_load_state("load")

    def visible_rows(self, table: str) -> int:
        return self.page.locator(f"#{table} tbody tr:visible").count()


def doc_page(out: Path, doc: str) -> Path:
    return out / "docs" / page_name(doc, set())


@pytest.mark.browser
def test_pages_load_offline_without_errors(browser, seeds_report, tmp_path):
    write_report(seeds_result(), tmp_path)  # slots only, as before the linker runs
    for path in (tmp_path / "index.html", doc_page(tmp_path, DOC_000)):
        unlinked = Visit(browser, path)
        assert unlinked.errors == [], path
        unlinked.page.close()
    overview = Visit(browser, seeds_report / "index.html")
    assert overview.errors == []
    assert overview.visible_rows("documents") == 5
    visit = Visit(browser, doc_page(seeds_report, DOC_000))
    assert visit.errors == []
    # never into the user's reports/: a test writes only under its tmp_path
    screenshot = tmp_path / "screenshots" / "doc-000.png"
    screenshot.parent.mkdir()
    visit.page.screenshot(path=str(screenshot))
    assert screenshot.stat().st_size > 10_000
    overview.page.close()
    visit.page.close()


@pytest.mark.browser
def test_highlights_match_slots_csv(browser, seeds_report):
    with open(seeds_report / "slots.csv", encoding="utf-8", newline="") as f:
        expected = [row["slot_id"] for row in csv.DictReader(f) if row["doc"] == DOC_000]
    visit = Visit(browser, doc_page(seeds_report, DOC_000))
    found = visit.page.eval_on_selector_all("#text [data-slot-id]", "els => els.map(e => e.dataset.slotId)")
    assert found == expected and len(found) == 271
    visit.page.close()


@pytest.mark.browser
def test_slot_filters_change_the_visible_rows(browser, seeds_report):
    result = linked_seeds_result()
    slots = result.analysis(DOC_000).slots
    visit = Visit(browser, doc_page(seeds_report, DOC_000))
    page = visit.page
    assert visit.visible_rows("slots") == len(slots)
    page.select_option('.filters[data-table="slots"] select', "number")
    numbers = sum(1 for s in slots if s.slot_type == "number")
    assert visit.visible_rows("slots") == numbers < len(slots)
    assert page.locator('.filters[data-table="slots"] output').inner_text() == f"{numbers} of {len(slots)} slots"
    # the text dims the slots the filter hides
    assert page.locator("#text .slot.dim").count() == len(slots) - numbers
    page.select_option('.filters[data-table="slots"] select', "")
    page.check('.filters[data-table="slots"] input[type="checkbox"]')
    assert visit.visible_rows("slots") == sum(1 for s in slots if s.leak) > 0
    page.uncheck('.filters[data-table="slots"] input[type="checkbox"]')
    page.fill('.filters[data-table="slots"] input[type="search"]', "亿元")
    # the search reads the whole row: the slot's unit and its context
    expected = sum(1 for s in slots if "亿元" in s.unit + s.left_context + s.mask + s.right_context)
    assert 0 < sum(1 for s in slots if s.unit == "亿元") <= visit.visible_rows("slots") == expected < len(slots)
    assert visit.errors == []
    page.close()


@pytest.mark.browser
def test_tables_sort_and_filter_on_the_overview(browser, seeds_report):
    visit = Visit(browser, seeds_report / "index.html")
    page = visit.page
    page.select_option('.filters[data-table="documents"] select', "re-identified")
    assert visit.visible_rows("documents") == 2
    page.select_option('.filters[data-table="documents"] select', "")
    page.click("#documents thead th:nth-child(6) button")  # slots, ascending
    page.click("#documents thead th:nth-child(6) button")  # descending
    first = page.locator("#documents tbody tr").first.locator("th").inner_text()
    assert first == DOC_001  # 283 slots
    assert page.locator("#documents thead th:nth-child(6)").get_attribute("aria-sort") == "descending"
    page.close()


@pytest.mark.browser
def test_keyboard_focus_on_a_slot_shows_its_details(browser, seeds_report):
    visit = Visit(browser, doc_page(seeds_report, DOC_000))
    page = visit.page
    page.focus('#text [data-slot-id="S0001"]')
    tip = page.locator("#tip")
    assert tip.is_visible()
    assert "S0001 · place, county level" in tip.inner_text()
    page.keyboard.press("Escape")
    assert not tip.is_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.slotId") == "S0002"
    page.close()


@pytest.mark.browser
def test_the_rest_of_a_long_list_of_differences_shows_on_request(browser, tmp_path):
    result = many_copies_result()
    n = len(result.inconsistencies)
    write_report(result, tmp_path)
    for doc in ("a.txt", "b.txt"):
        visit = Visit(browser, doc_page(tmp_path, doc))
        page = visit.page
        assert page.locator("#differences tbody tr").count() == DIFFERENCE_ROWS
        page.focus("button[data-more]")
        page.keyboard.press("Enter")  # a button: the keyboard works it too
        assert page.locator("#differences tbody tr").count() == n
        assert page.locator("button[data-more]").count() == 0
        assert page.locator("#differences-more").inner_text() == f"All {n} are listed."
        assert page.evaluate("document.activeElement.id") == "differences-more"
        last = page.locator("#differences tbody tr").last
        assert last.locator(".masked").inner_text() == "×" and last.locator(".revealed").inner_text() == "崞阳"
        # the rows built from data look like the ones drawn on the page
        first, built = (page.locator("#differences tbody tr").nth(i) for i in (0, DIFFERENCE_ROWS))
        shape = "e => Array.from(e.querySelectorAll('*')).map(x => x.tagName + '.' + x.className).join(' ')"
        assert first.evaluate(shape) == built.evaluate(shape)
        assert "崞阳镇</script><!--完工" in page.locator("#differences tbody").inner_text()
        assert visit.errors == [] and visit.dialogs == []  # the text's <script>alert(…) ran nowhere
        page.close()


@pytest.mark.browser
def test_an_injected_script_runs_nothing(browser, tmp_path):
    write_report(hostile_result(), tmp_path)
    for path in [tmp_path / "index.html", *sorted((tmp_path / "docs").glob("*.html"))]:
        visit = Visit(browser, path)
        page = visit.page
        page.mouse.move(5, 5)
        for element in page.locator("#text .clue").all():
            element.hover()
        page.wait_for_timeout(100)
        assert visit.dialogs == []
        assert page.evaluate("typeof window.__xss") == "undefined"
        assert page.locator("img").count() == 0
        if path.parent.name == "docs":
            assert page.locator("#text").text_content() == HOSTILE_TEXT
        page.close()


def test_pages_written_by_forked_processes_are_the_serial_pages(tmp_path):
    from auditor.output.report import PAGES_PER_TASK, ReportJob

    lines = (ROOT / DOC_000).read_text(encoding="utf-8").splitlines()
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for number, begin in enumerate(range(0, len(lines), 3)):
        (corpus / f"part-{number:02d}.txt").write_text("\n".join(lines[begin : begin + 3]) + "\n", encoding="utf-8")
    result = auditor.audit(corpus)
    assert len(result.analyses) >= 2 * PAGES_PER_TASK
    serial = ReportJob(result, tmp_path / "serial", workers=1)
    serial.wait()
    forked = ReportJob(result, tmp_path / "forked", workers=2)
    forked.wait()
    if sys.platform.startswith("linux"):
        assert forked.worker_seconds > 0  # the pages were written by other processes
    assert serial.worker_seconds == 0
    names = sorted(p.name for p in (tmp_path / "serial" / "docs").glob("*.html"))
    assert len(names) == len(result.analyses)
    assert names == sorted(p.name for p in (tmp_path / "forked" / "docs").glob("*.html"))
    for name in ["index.html"] + [f"docs/{n}" for n in names]:
        assert (tmp_path / "serial" / name).read_bytes() == (tmp_path / "forked" / name).read_bytes(), name


def test_a_repaired_file_is_reported_as_audited_and_the_headline_counts_what_was_not_checked(tmp_path):
    from auditor.output.report import build_views
    from auditor.scan import audit

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = "×县位于山西省北部，境内有天涯山、崞阳古城、轩岗镇，全县生产总值×亿元。\n" * 200
    data = bytearray(text.encode("utf-8"))
    data[1000:1001] = b"\xff"  # one byte that is no UTF-8: repaired, then audited
    (corpus / "repaired.txt").write_bytes(bytes(data))
    (corpus / "scan.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)) * 8)
    overview, _ = build_views(audit([corpus], workers=1))
    rows = {row.doc.rsplit("/", 1)[-1]: row for row in overview.rows}
    assert rows["repaired.txt"].status == "repaired" and rows["repaired.txt"].verdict == "re-identified"
    assert [row.doc.rsplit("/", 1)[-1] for row in overview.problems] == ["scan.txt"]
    assert overview.headline == "Of 2 documents: 1 re-identified, 1 not checked."


def many_documents_result(batches: int) -> AuditResult:
    """The linked seeds ``batches`` times over, each batch in a folder of its own (batch007/seeds/…)."""
    result = linked_seeds_result()
    analyses, identities = [], []
    for batch in range(batches):
        prefix = f"batch{batch:03d}/"
        analyses += [dataclasses.replace(a, source=dataclasses.replace(a.source, doc=prefix + a.doc))
                     for a in result.analyses]
        identities += [dataclasses.replace(i, doc=prefix + i.doc, group=f"{i.group}-{batch}") for i in result.identities]
    return AuditResult(analyses, identities, gazetteer=result.gazetteer)


def _tags_only(markup: str) -> str:
    """Rows as a browser serialises them, without the white space the template puts between tags."""
    return re.sub(r">\s+<", "><", markup.strip())


@pytest.mark.browser
def test_the_overview_pages_through_many_documents(browser, tmp_path):
    from auditor.output.report.render import PageRenderer

    result = many_documents_result(50)  # 250 documents: 100 a page
    index = tmp_path / "index.html"
    index.write_text(PageRenderer(result).index_html(), encoding="utf-8")
    source = index.read_text(encoding="utf-8")
    served = source.split('<table id="documents"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert served.count("<tr ") == 100  # the first page; the others are data
    assert len(json.loads(html.unescape(Page(source).data_scripts[0]))["rows"]) == 250
    visit = Visit(browser, index)
    page = visit.page
    bar, pager = '.filters[data-table="documents"]', '.pager[data-table="documents"]'
    # the script's rows are the server's rows, cell for cell
    assert _tags_only(page.inner_html("#documents tbody")) == _tags_only(served)
    assert visit.visible_rows("documents") == 100
    assert page.locator(f"{pager} output").inner_text() == "page 1 of 3"
    assert page.locator(f"{bar} output").inner_text() == "250 of 250 documents"
    page.click(f"{pager} [data-step='1']")
    assert page.locator("#documents tbody tr").first.locator("th").inner_text() == f"batch020/{DOC_000}"
    page.click(f"{pager} [data-step='1']")
    assert visit.visible_rows("documents") == 50
    assert page.locator(f"{pager} [data-step='1']").is_disabled()
    # a search reads every page, not the one shown
    page.fill(f"{bar} input[type='search']", "batch042/")
    assert visit.visible_rows("documents") == 5
    assert page.locator(f"{bar} output").inner_text() == "5 of 250 documents"
    assert page.locator(pager).is_hidden()
    page.fill(f"{bar} input[type='search']", "")
    page.select_option(f"{bar} select", "re-identified")
    assert visit.visible_rows("documents") == 100 and page.locator(f"{pager} output").inner_text() == "page 1 of 1"
    page.select_option(f"{bar} select", "")
    # a sort orders every page: the 50 copies of 001 (283 slots) come first, in their order
    page.click("#documents thead th:nth-child(6) button")
    page.click("#documents thead th:nth-child(6) button")
    names = page.eval_on_selector_all("#documents tbody th", "cells => cells.map(c => c.innerText)")
    assert names[:50] == [f"batch{batch:03d}/{DOC_001}" for batch in range(50)]
    assert visit.errors == []
    page.close()


def test_the_overview_of_many_documents_shows_the_first_rows_of_each_table_and_says_so():
    from auditor.output.report.render import PageRenderer

    source = PageRenderer(many_documents_result(60)).index_html()  # 300 documents, 120 with slots
    assert "The first 100 of 300 documents" in source  # <noscript>: without the script
    groups = source.split('id="h-groups"', 1)[1].split("</section>", 1)[0]
    assert groups.count('<td class="mono">') == 60  # 60 groups of copies of one report, all shown
    types = source.split('id="h-types"', 1)[1].split("</section>", 1)[0]
    assert types.count("<tr>") == 100 + 2  # the first 100 documents with slots, the header and the totals
    assert "The first 100 of 120 documents with slots" in types

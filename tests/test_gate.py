"""The pre-publication gate: policy, findings, output formats and `auditor check` exit codes.

Most tests build the audit records themselves (sentences from the demo report
000 and its republished copy 001), so that the policy is tested apart from
the linker; the end-to-end tests at the bottom run the real audit on seeds/.
"""
from __future__ import annotations

import dataclasses
import importlib.util
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from jsonschema import Draft4Validator

from auditor.cli import main
from auditor.output.gate import (
    Policy, PolicyError, evaluate, format_text, load_policy, resolve_policy, to_json, to_sarif,
)
from auditor.map.masks import MaskFinder
from auditor.records import Clue, DocumentAnalysis, Identity, Inconsistency, SourceText
from auditor.rules import load_rules
from auditor.scan import AuditResult
from auditor.map.slots import SlotClassifier, build_slots

SCHEMA_FILE = Path(__file__).resolve().parent / "data" / "sarif-schema-2.1.0.json"
REPO_POLICY = Path(__file__).resolve().parent.parent / "rules" / "policy.toml"
YUANPING = "山西省/忻州市/原平市"

# Sentences of seeds/000 (masked) and of its republished copy, where one
# sentence shows the name that 000 masks.
TEXT_000 = (
    "过去一年，是×发展史上极不平凡的一年。\n"
    "启动崞阳古城修复活化、低空旅游飞行、红色文化旅游项目和×处红色遗址认定。\n"
    "开工建设轩岗镇至云水镇段、段家堡至下政化段。\n"
    "建成崞阳污水处理厂、张村生活污水处理站，完成滹沱河入河净化工程。\n"
)
TEXT_001 = (
    "当前位置:九力公文网>专题范文 > 讲话稿\n"
    "过去一年，是原平发展史上极不平凡的一年。\n"
    "启动崞阳古城修复活化、低空旅游飞行、红色文化旅游项目和×处红色遗址认定。\n"
)
TEXT_002 = "太原市2021年地区生产总值完成5121.61亿元，增长8.9%。\n"


def occurrences(doc: str, text: str, name: str, kind: str = "admin", level: str = "town",
                weight: float = 0.0) -> list[Clue]:
    found = []
    for match in re.finditer(re.escape(name), text):
        line = text.count("\n", 0, match.start()) + 1
        found.append(Clue(doc, match.start(), match.end(), line, name, kind, (1,), weight, "test", level))
    assert found, name
    return found


def analysed(folder: Path, doc: str, text: str, clues: list[Clue] = (), encoding: str = "utf-8") -> DocumentAnalysis:
    path = folder / doc
    path.write_text(text, encoding="utf-8")
    rules = load_rules()
    runs = MaskFinder(rules.masks).find(text)
    slots = build_slots(doc, text, runs, SlotClassifier(rules.slots))
    return DocumentAnalysis(SourceText(doc, str(path), text, encoding, "ok"), slots, list(clues))


@pytest.fixture
def corpus(tmp_path, monkeypatch):
    """000 re-identified by town names and a landmark; 001 a near-duplicate that
    shows the place 000 masks; 002 an unmasked report."""
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "docs"
    folder.mkdir()
    guoyang = occurrences("000.txt", TEXT_000, "崞阳", weight=3.9)
    xuangang = occurrences("000.txt", TEXT_000, "轩岗", weight=3.2)
    hutuo = occurrences("000.txt", TEXT_000, "滹沱河", kind="landmark", level="", weight=1.5)
    a000 = analysed(folder, "000.txt", TEXT_000, guoyang + xuangang + hutuo)
    own = occurrences("001.txt", TEXT_001, "原平", level="county", weight=6.0)
    copy_guoyang = occurrences("001.txt", TEXT_001, "崞阳", weight=3.2)
    a001 = analysed(folder, "001.txt", TEXT_001, own + copy_guoyang)
    a002 = analysed(folder, "002.txt", TEXT_002, occurrences("002.txt", TEXT_002, "太原", level="prefecture"))
    start = TEXT_001.index("原平")
    return AuditResult([a000, a001, a002], identities=[
        Identity("000.txt", "G001", len(a000.slots), YUANPING, "county", 0.97, 1, "re-identified", risk=0.97,
                 top_clues=[guoyang[0], xuangang[0], hutuo[0]]),
        Identity("001.txt", "G001", len(a001.slots), YUANPING, "county", 0.999, 1, "re-identified", risk=0.999,
                 top_clues=[own[0], copy_guoyang[0]], names_own_place=own),
        Identity("002.txt", "G002", 0, "山西省/太原市", "prefecture", 0.99, 1, "not-anonymised", risk=0.99),
    ], inconsistencies=[Inconsistency("000.txt", a000.slots[0].slot_id, "001.txt", start, start + 2, "原平")])


def edited(result: AuditResult, identities: dict[str, dict] | None = None, inconsistencies: list | None = None,
           clue_weights: dict[str, float] | None = None) -> AuditResult:
    """The corpus with some identities' fields, or its inconsistencies, or the
    weights of the clues of some texts changed (the records are frozen)."""
    identities = identities or {}
    weights = clue_weights or {}
    analyses = [dataclasses.replace(a, clues=[dataclasses.replace(c, weight=weights[c.text]) if c.text in weights else c
                                              for c in a.clues]) for a in result.analyses]
    return dataclasses.replace(
        result, analyses=analyses,
        identities=[dataclasses.replace(i, **identities.get(i.doc, {})) for i in result.identities],
        inconsistencies=result.inconsistencies if inconsistencies is None else inconsistencies)


def test_reidentified_document_fails_with_one_finding_per_leaking_clue(corpus):
    report = evaluate(corpus, Policy())
    doc = report.document("000.txt")
    assert doc.status == "fail"
    own = [f for f in doc.findings if f.doc == "000.txt" and f.rule == "re-identified"]
    assert [f.clue for f in own] == ["崞阳", "轩岗", "滹沱河"]
    guoyang = own[0]
    # 启动崞阳古城: the first 崞阳 is on line 2, third character.
    assert (guoyang.location.path, guoyang.location.line, guoyang.location.column) == ("docs/000.txt", 2, 3)
    assert guoyang.location.end_column == 5
    assert [(r.line, r.column) for r in guoyang.related] == [(4, 3)]
    assert guoyang.remedy == "mask 崞阳 everywhere (2 here, 1 in docs/001.txt)"
    assert YUANPING in guoyang.why and "re-identified" in guoyang.why
    assert guoyang.fails and guoyang.level == "error"


def test_every_clue_that_weighs_for_the_identity_is_reported_not_only_the_top_ones(corpus):
    # The linker names a few top clues; the others that carry weight leak too.
    corpus = edited(corpus, {"000.txt": {"top_clues": corpus.identity("000.txt").top_clues[:1]}})
    report = evaluate(corpus, Policy())
    clues = [f.clue for f in report.document("000.txt").findings if f.rule == "re-identified"]
    assert clues == ["崞阳", "轩岗", "滹沱河"]
    # A clue with no weight for the identity (a place named as elsewhere) is not a leak.
    corpus = edited(corpus, clue_weights={"滹沱河": 0.0})
    clues = [f.clue for f in evaluate(corpus, Policy()).document("000.txt").findings if f.rule == "re-identified"]
    assert clues == ["崞阳", "轩岗"]


def test_text_output_has_file_line_column_clue_why_and_what_to_mask(corpus):
    text = format_text(evaluate(corpus, Policy()))
    line = next(l for l in text.splitlines() if l.startswith("docs/000.txt:3:5:"))
    assert line.startswith("docs/000.txt:3:5: error: 轩岗: town name pointing at 山西省/忻州市/原平市 (weight 3.20)")
    assert line.endswith("; mask 轩岗 everywhere (1 here) [re-identified]")
    assert "docs/000.txt: FAIL: re-identified as 山西省/忻州市/原平市 (risk 97%, anonymity set 1)" in text
    assert "docs/002.txt: not anonymised: no masks: nothing to check" in text
    assert text.splitlines()[-1] == (
        "3 documents: 3 checked, 1 passed, 2 failed, 0 not checked (built-in policy: K=5; fails re-identified, "
        "at-risk, near-duplicate-leak, names-own-place, unrecognised-masks, not-checked, in-file findings)")


def test_quiet_text_output_keeps_only_failing_findings(corpus):
    lines = format_text(evaluate(corpus, Policy()), quiet=True).splitlines()
    assert lines and all(": error: " in line for line in lines)
    assert not any("002.txt" in line for line in lines)


def test_slot_readable_in_a_near_duplicate_is_reported_where_it_shows(corpus):
    report = evaluate(corpus, Policy())
    (leak,) = [f for f in report.findings if f.rule == "near-duplicate-leak"]
    # 001 shows 原平 on its line 2 where 000 has ×, at the same sentence position.
    assert (leak.location.path, leak.location.line, leak.location.column, leak.location.text) == (
        "docs/001.txt", 2, 7, "原平")
    assert leak.clue == "原平" and leak.remedy == "mask 原平 here"
    assert [(r.path, r.line, r.column, r.text) for r in leak.related] == [("docs/000.txt", 1, 7, "×")]
    assert "masked in docs/000.txt:1:7" in leak.why
    assert leak in report.document("000.txt").findings and leak in report.document("001.txt").findings


def test_names_own_place_fails_and_the_policy_can_turn_it_off(corpus):
    report = evaluate(corpus, Policy())
    (named,) = [f for f in report.findings if f.rule == "names-own-place"]
    assert (named.doc, named.clue, named.location.line, named.location.column) == ("001.txt", "原平", 2, 7)
    assert "own place (山西省/忻州市/原平市)" in named.why
    quiet = Policy(actions=(("names-own-place", "ignore"),) + tuple(a for a in Policy().actions if a[0] != "names-own-place"))
    assert not [f for f in evaluate(corpus, quiet).findings if f.rule == "names-own-place"]


def test_unmasked_document_is_reported_not_failed_unless_the_policy_says_so(corpus):
    only_002 = AuditResult([corpus.analysis("002.txt")], identities=[corpus.identity("002.txt")])
    report = evaluate(only_002, Policy())
    assert report.passed
    (note,) = report.findings
    assert (note.rule, note.level, note.fails) == ("not-anonymised", "note", False)
    assert report.document("002.txt").status == "not-anonymised"
    strict = Policy(actions=tuple((r, "fail" if r == "not-anonymised" else a) for r, a in Policy().actions))
    assert not evaluate(only_002, strict).passed


def test_risk_above_one_over_k_fails_at_risk_and_k_comes_from_the_policy(corpus):
    corpus = edited(corpus, {"000.txt": dict(verdict="at-risk", confidence=0.41, risk=0.41, anonymity_set=3)}, [])
    report = evaluate(corpus, Policy())
    rules = {f.rule for f in report.document("000.txt").findings}
    assert rules == {"at-risk"}
    assert report.document("000.txt").verdict == "at-risk"
    assert "is right with probability 41%, above 1/K (K=5" in report.document("000.txt").findings[0].why
    # K = 2: a guess right 41% of the time is below 1/2.
    assert evaluate(corpus, Policy(min_anonymity_set=2)).document("000.txt").status == "pass"
    assert evaluate(corpus, Policy(min_anonymity_set=2)).document("000.txt").verdict == "protected"
    # The anonymity set plays no part in the verdict.
    corpus = edited(corpus, {"000.txt": dict(anonymity_set=40)})
    assert evaluate(corpus, Policy()).document("000.txt").status == "fail"
    # A policy that lets at-risk documents through, and one that fails them as re-identified.
    lenient = Policy(actions=tuple((r, "report" if r == "at-risk" else a) for r, a in Policy().actions))
    assert evaluate(corpus, lenient).document("000.txt").status == "pass"
    strict = evaluate(corpus, Policy(fail_verdicts=("re-identified", "at-risk"))).document("000.txt")
    assert {f.rule for f in strict.findings} == {"re-identified"}


def test_protected_masked_documents_pass(corpus):
    protected = dict(verdict="protected", confidence=0.05, risk=0.05, anonymity_set=120, names_own_place=[])
    corpus = edited(corpus, {"000.txt": protected, "001.txt": protected}, [])
    report = evaluate(corpus, Policy())
    assert report.passed
    assert [d.status for d in report.documents] == ["pass", "pass", "not-anonymised"]


def test_unreadable_file_fails_as_not_checked(tmp_path, monkeypatch):
    # A file auditor cannot read is never a pass (issue 10).
    monkeypatch.chdir(tmp_path)
    source = SourceText("scan.pdf", str(tmp_path / "scan.pdf"), "", "", "binary", "not a text file (binary content)")
    report = evaluate(AuditResult([DocumentAnalysis(source)]), Policy())
    (finding,) = report.findings
    assert finding.rule == "not-checked" and finding.fails and finding.location.line is None
    assert not report.passed
    assert format_text(report).splitlines()[0] == (
        "scan.pdf: error: not checked: binary: not a text file (binary content) [not-checked]")


# --- policy files ---------------------------------------------------------


def test_shipped_policy_file_says_what_the_issue_asks():
    policy = load_policy(REPO_POLICY)
    assert policy.min_anonymity_set == 5
    assert policy.fail_verdicts == ("re-identified",)
    assert {rule: policy.action(rule) for rule in ("re-identified", "at-risk", "near-duplicate-leak",
                                                   "names-own-place", "not-anonymised")} == {
        "re-identified": "fail", "at-risk": "fail", "near-duplicate-leak": "fail",
        "names-own-place": "fail", "not-anonymised": "report"}
    assert policy.mask == "×"
    lengths = [len(s) for s in policy.keep_suffixes]
    assert lengths == sorted(lengths, reverse=True) and {"镇", "市", "河"} <= set(policy.keep_suffixes)
    assert resolve_policy(None, REPO_POLICY.parent).source == str(REPO_POLICY)


def test_policy_file_overrides_only_what_it_names(tmp_path):
    path = tmp_path / "strict.toml"
    path.write_text('min_anonymity_set = 20\n[rules]\nnot-anonymised = "fail"\n', encoding="utf-8")
    policy = load_policy(path)
    assert policy.min_anonymity_set == 20
    assert policy.action("not-anonymised") == "fail" and policy.action("re-identified") == "fail"


@pytest.mark.parametrize("content, message", [
    ("min_anonymity_set = 0\n", "min_anonymity_set must be at least 1"),
    ("min_anonymity_set = true\n", "min_anonymity_set must be a whole number"),
    ('min_anonymity_set = "5"\n', "min_anonymity_set must be a whole number"),
    ('fail_verdicts = ["leaky"]\n', "unknown verdict(s) ['leaky']"),
    ('fail_verdicts = ["not-anonymised"]\n', '[rules] not-anonymised = "fail"'),
    ('[rules]\nre-identifed = "fail"\n', "unknown rule 're-identifed'"),
    ('[rules]\nre-identified = "warn"\n', "must be one of fail, report, ignore"),
    ("k = 5\n", "unknown key(s) k"),
    ("min_anonymity_set = \n", "not valid TOML"),
    ('[fix]\nmask = ""\n', "[fix] mask '' must be visible mask characters, not empty"),
    ("[fix]\nmax_rounds = 0\n", "[fix] max_rounds must be at least 1, not 0"),
    ("[fix]\nliteral_min_chars = 1.5\n", "[fix] literal_min_chars must be a whole number"),
])
def test_bad_policy_files_are_rejected_with_the_key_named(tmp_path, content, message):
    path = tmp_path / "policy.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert message in str(caught.value) and str(path) in str(caught.value)


# --- machine formats --------------------------------------------------------


@pytest.fixture(scope="module")
def sarif_validator():
    return Draft4Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))


def test_json_output_lists_documents_and_findings(corpus):
    data = json.loads(json.dumps(to_json(evaluate(corpus, Policy())), ensure_ascii=False))
    assert data["passed"] is False
    assert data["summary"]["failed"] == 2 and data["summary"]["documents"] == 3
    statuses = {d["doc"]: (d["status"], d["verdict"], d["anonymity_set"]) for d in data["documents"]}
    assert statuses == {"000.txt": ("fail", "re-identified", 1), "001.txt": ("fail", "re-identified", 1),
                        "002.txt": ("not-anonymised", "not-anonymised", 1)}
    first = data["findings"][0]
    assert first["location"] == {"doc": "000.txt", "path": "docs/000.txt", "line": 2, "column": 3,
                                 "end_line": 2, "end_column": 5, "text": "崞阳"}


def test_sarif_output_is_valid_sarif_2_1_0(corpus, sarif_validator):
    sarif = json.loads(json.dumps(to_sarif(evaluate(corpus, Policy())), ensure_ascii=False))
    errors = [e.message for e in sarif_validator.iter_errors(sarif)]
    assert errors == []
    run = sarif["runs"][0]
    assert run["columnKind"] == "unicodeCodePoints"
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert {"re-identified", "near-duplicate-leak", "names-own-place", "not-anonymised"} <= set(rule_ids)
    results = run["results"]
    assert all(rule_ids[r["ruleIndex"]] == r["ruleId"] for r in results)
    guoyang = next(r for r in results if r["ruleId"] == "re-identified" and r["properties"]["clue"] == "崞阳")
    assert guoyang["level"] == "error"
    physical = guoyang["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"] == {"uri": "docs/000.txt", "uriBaseId": "SRCROOT"}
    assert physical["region"] == {"startLine": 2, "startColumn": 3, "endLine": 2, "endColumn": 5,
                                  "snippet": {"text": "崞阳"}}
    assert "mask 崞阳 everywhere" in guoyang["message"]["text"]
    note = next(r for r in results if r["ruleId"] == "not-anonymised")
    assert note["level"] == "note" and note["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}
    # Fingerprints tell findings apart so code-scanning UIs can follow each one.
    prints = [r["partialFingerprints"]["auditorFinding/v1"] for r in results]
    assert len(set(prints)) == len(prints)


def test_the_schema_check_catches_a_broken_log(corpus, sarif_validator):
    sarif = to_sarif(evaluate(corpus, Policy()))
    sarif["runs"][0]["results"][0]["level"] = "fatal"
    sarif["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    assert len(list(sarif_validator.iter_errors(sarif))) == 2


# --- `auditor check`: exit codes -------------------------------------------


def run_check(monkeypatch, result, args):
    """`auditor check ARGS` with the audit replaced by ``result`` (None: the audit must not run)."""
    calls = []

    def fake_audit(paths, rules=None, **options):
        calls.append(paths)
        assert result is not None, "the audit ran although the input was bad"
        return result

    monkeypatch.setattr("auditor.scan.audit", fake_audit)
    outcome = CliRunner().invoke(main, ["check", *args])
    return outcome, calls


def test_check_exits_1_when_a_document_fails(corpus, monkeypatch):
    outcome, calls = run_check(monkeypatch, corpus, ["docs", "-q"])
    assert outcome.exit_code == 1, outcome.output
    assert calls == [("docs",)]
    assert "docs/000.txt:2:3: error: 崞阳:" in outcome.stdout


def test_check_exits_0_when_every_document_passes(corpus, monkeypatch):
    protected = dict(verdict="protected", anonymity_set=80, risk=0.1, confidence=0.1, names_own_place=[])
    corpus = edited(corpus, {"000.txt": protected, "001.txt": protected}, [])
    outcome, _ = run_check(monkeypatch, corpus, ["docs"])
    assert outcome.exit_code == 0, outcome.output
    assert "3 documents: 3 checked, 3 passed, 0 failed, 0 not checked" in outcome.stdout


def test_check_exits_2_on_a_missing_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    outcome, calls = run_check(monkeypatch, None, ["nowhere/"])
    assert outcome.exit_code == 2 and calls == []
    assert "no such file or folder: nowhere/" in outcome.stderr


def test_check_exits_2_on_a_folder_without_text_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    outcome, calls = run_check(monkeypatch, None, ["empty"])
    assert outcome.exit_code == 2 and calls == []
    assert "no text files under empty" in outcome.stderr


def test_check_exits_2_on_a_bad_policy_file(corpus, monkeypatch, tmp_path):
    (tmp_path / "bad.toml").write_text('[rules]\nre-identified = "maybe"\n', encoding="utf-8")
    outcome, calls = run_check(monkeypatch, None, ["docs", "--policy", "bad.toml"])
    assert outcome.exit_code == 2 and calls == []
    assert "re-identified = 'maybe': must be one of fail, report, ignore" in outcome.stderr
    outcome, calls = run_check(monkeypatch, None, ["docs", "--policy", "missing.toml"])
    assert outcome.exit_code == 2 and calls == []
    assert "policy file not found: missing.toml" in outcome.stderr


def test_check_policy_option_changes_the_outcome(corpus, monkeypatch, tmp_path):
    at_risk = dict(verdict="at-risk", anonymity_set=3, risk=0.3, names_own_place=[])  # risk above 1/5, below 1/2
    corpus = edited(corpus, {"000.txt": at_risk, "001.txt": at_risk}, [])
    assert run_check(monkeypatch, corpus, ["docs"])[0].exit_code == 1
    (tmp_path / "lenient.toml").write_text("min_anonymity_set = 2\n", encoding="utf-8")
    assert run_check(monkeypatch, corpus, ["docs", "--policy", "lenient.toml"])[0].exit_code == 0


def test_check_writes_sarif_to_a_file(corpus, monkeypatch, tmp_path, sarif_validator):
    outcome, _ = run_check(monkeypatch, corpus, ["docs", "--format", "sarif", "--output", "out.sarif"])
    assert outcome.exit_code == 1
    assert outcome.stdout == ""
    assert "2 of 3 document(s) fail the policy; wrote out.sarif" in outcome.stderr
    sarif = json.loads((tmp_path / "out.sarif").read_text(encoding="utf-8"))
    assert list(sarif_validator.iter_errors(sarif)) == []
    assert sarif["runs"][0]["properties"]["failedDocuments"] == ["000.txt", "001.txt"]


def test_check_json_goes_to_stdout(corpus, monkeypatch):
    outcome, _ = run_check(monkeypatch, corpus, ["docs", "--format", "json"])
    assert outcome.exit_code == 1
    assert json.loads(outcome.stdout)["summary"]["failed"] == 2


def test_pre_commit_hook_definition():
    import yaml

    hooks = yaml.safe_load((REPO_POLICY.parent.parent / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    (hook,) = hooks
    assert (hook["id"], hook["entry"], hook["language"], hook["types"]) == (
        "auditor-check", "auditor check", "python", ["text"])


# --- end to end on seeds/ ----------------------------------------------------

needs_linker = pytest.mark.skipif(importlib.util.find_spec("auditor.reduce.linker") is None, reason="linker not available")


@needs_linker
def test_check_seeds_fails_000_and_001_with_their_town_names(seeds_dir, monkeypatch, tmp_path):
    monkeypatch.chdir(seeds_dir.parent)
    outcome = CliRunner().invoke(main, ["check", "seeds/", "-j", "1", "--format", "json"])
    assert outcome.exit_code == 1, outcome.output
    data = json.loads(outcome.stdout)
    failed = {d["doc"].removeprefix("seeds/")[:3] for d in data["documents"] if d["status"] == "fail"}
    assert failed == {"000", "001"}
    unmasked = {d["doc"].removeprefix("seeds/")[:3] for d in data["documents"] if d["status"] == "not-anonymised"}
    assert unmasked == {"002", "003", "004"}
    for prefix in ("000", "001"):
        clues = {f["clue"] for f in data["findings"] if f["doc"].startswith(f"seeds/{prefix}") and f["fails"]}
        # the town names in clear, short (崞阳) or full (轩岗镇)
        assert any(c.startswith("崞阳") for c in clues) and any(c.startswith("轩岗") for c in clues), clues


@needs_linker
def test_check_seeds_text_and_sarif(seeds_dir, monkeypatch, sarif_validator):
    monkeypatch.chdir(seeds_dir.parent)
    outcome = CliRunner().invoke(main, ["check", "seeds/", "-j", "1"])
    assert outcome.exit_code == 1
    lines = outcome.stdout.splitlines()
    assert any(re.match(r"seeds/000_f10a573ecf1e5254\.txt:\d+:\d+: error: 崞阳: ", line) for line in lines)
    assert any(re.match(r"seeds/001_205791ec78af48ee\.txt:\d+:\d+: error: 轩岗镇?: ", line) for line in lines)
    outcome = CliRunner().invoke(main, ["check", "seeds/", "-j", "1", "--format", "sarif"])
    sarif = json.loads(outcome.stdout)
    assert list(sarif_validator.iter_errors(sarif)) == []
    assert {r["ruleId"] for r in sarif["runs"][0]["results"] if r["level"] == "error"} >= {"re-identified"}

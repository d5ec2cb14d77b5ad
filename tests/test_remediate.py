"""`auditor fix`: remediated copies, masked consistently, proven by a re-audit.

The loop is tested with a small, transparent clue finder and linker (a few
place names of 原平 with fixed weights, identity by total weight), so that
which names must be masked is known exactly; the end-to-end tests at the
bottom run the real pipeline on seeds/.
"""
from __future__ import annotations

import codecs
import difflib
import importlib.util
import json
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import main
from auditor.output.gate import Policy, evaluate, load_policy
from auditor.reduce.linker import Linkage
from auditor.map.masks import MaskFinder
from auditor.records import Clue, DocumentAnalysis, Identity, Inconsistency, SourceText
from auditor.fix import (
    Edit, FixError, _LookAhead, _Plan, apply_edits, encode_like, fix_to_json, greedy_pick, plan_fix, remediate, suffix_split,
)
from auditor.rules import load_rules
from auditor.scan import AuditResult, audit
from auditor.map.slots import SlotClassifier, build_slots

REPO_POLICY = Path(__file__).resolve().parent.parent / "rules" / "policy.toml"
SUFFIXES = load_policy(REPO_POLICY).keep_suffixes
YUANPING = "山西省/忻州市/原平市"

# --- the pieces ----------------------------------------------------------------


@pytest.mark.parametrize("encoding, bom", [
    ("utf-8", b""), ("utf-8-sig", codecs.BOM_UTF8), ("gb18030", b""),
])
def test_copies_keep_the_encoding_of_the_input(encoding, bom):
    text = "启动×古城修复活化、低空旅游飞行项目。\r\n"
    original = "启动崞阳古城修复活化、低空旅游飞行项目。\r\n".encode(encoding)
    written = encode_like(text, encoding, original)
    assert written.startswith(bom) and written == text.encode(encoding)
    assert written.decode(encoding) == text


@pytest.mark.parametrize("bom, codec", [
    (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"), (codecs.BOM_UTF32_BE, "utf-32-be"),
])
def test_utf16_and_utf32_copies_keep_byte_order_and_bom(bom, codec):
    original = bom + "建成崞阳污水处理厂".encode(codec)
    # auditor.map.loading decodes these with the BOM-sniffing codecs
    family = "utf-32" if "32" in codec else "utf-16"
    assert encode_like("建成×污水处理厂", family, original) == bom + "建成×污水处理厂".encode(codec)


def test_a_masked_name_keeps_its_generic_ending():
    assert suffix_split("崞阳镇", SUFFIXES) == ("崞阳", "镇")
    assert suffix_split("滹沱河", SUFFIXES) == ("滹沱", "河")
    assert suffix_split("崞阳古城", SUFFIXES) == ("崞阳", "古城")
    assert suffix_split("原平市", SUFFIXES) == ("原平", "市")
    assert suffix_split("崞阳", SUFFIXES) == ("崞阳", "")
    # an ending is never the whole name
    assert suffix_split("新区", SUFFIXES) == ("新", "区")


def test_edits_replace_their_spans_and_nothing_else():
    text = "开工建设轩岗镇至云水镇段、段家堡至下政化段。"
    at = text.index("轩岗")
    edits = [Edit(at, at + 2, "×", "轩岗", "轩岗镇", "clue"),
             Edit(at + 1, at + 2, "×", "岗", "岗", "clue"),  # inside the first: merged away
             Edit(text.index("段家堡"), text.index("段家堡") + 3, "×", "段家堡", "段家堡", "clue")]
    new, applied = apply_edits(text, edits)
    assert new == "开工建设×镇至云水镇段、×至下政化段。"
    assert [(e.original, e.label) for e in applied] == [("轩岗", "轩岗镇"), ("段家堡", "段家堡")]


def clue(doc, text, name, at, kind="admin", level="town", weight=0.0, elsewhere=False):
    return Clue(doc, at, at + len(name), text.count("\n", 0, at) + 1, name, kind, (1,), weight, "test", level,
                elsewhere)


def clues_of(doc, text, names, **options):
    return [clue(doc, text, name, m.start(), **options.get(name, {})) for name in names
            for m in re.finditer(re.escape(name), text)]


def test_greedy_pick_takes_the_heaviest_clue_once_per_text():
    text = "建成崞阳污水处理厂，启动崞阳古城修复活化，完成滹沱河入河净化工程，开工建设轩岗镇至云水镇段。"
    weights = {"崞阳": {"weight": 3.2}, "滹沱河": {"weight": 3.1, "kind": "landmark"}, "轩岗": {"weight": 1.0}}
    analysis = DocumentAnalysis(SourceText("a", "a", text, "utf-8", "ok"),
                                clues=clues_of("a", text, ["崞阳", "滹沱河", "轩岗"], **weights))
    # 崞阳 occurs twice, but the linker gives each occurrence the text's total.
    assert greedy_pick([analysis], set()) == ("崞阳", 3.2)
    assert greedy_pick([analysis], {"崞阳"}) == ("滹沱河", 3.1)
    # a place named as somewhere else does not count
    analysis = replace(analysis, clues=[replace(c, elsewhere=c.text == "滹沱河") for c in analysis.clues])
    assert greedy_pick([analysis], {"崞阳"}) == ("轩岗", 1.0)
    assert greedy_pick([analysis], {"崞阳", "轩岗"}) is None


def test_greedy_pick_adds_up_failing_copies():
    a_text, b_text = "启动崞阳古城修复活化。开工建设轩岗镇至云水镇段。", "开工建设轩岗镇至云水镇段。"
    a = DocumentAnalysis(SourceText("a", "a", a_text, "utf-8", "ok"),
                         clues=clues_of("a", a_text, ["崞阳", "轩岗"], 崞阳={"weight": 3.0}, 轩岗={"weight": 2.0}))
    b = DocumentAnalysis(SourceText("b", "b", b_text, "utf-8", "ok"),
                         clues=clues_of("b", b_text, ["轩岗"], 轩岗={"weight": 2.0}))
    assert greedy_pick([a], set())[0] == "崞阳"
    assert greedy_pick([a, b], set()) == ("轩岗", 4.0)


def analysed(doc, text, clues=()):
    rules = load_rules()
    runs = MaskFinder(rules.masks).find(text)
    slots = build_slots(doc, text, runs, SlotClassifier(rules.slots))
    return DocumentAnalysis(SourceText(doc, doc, text, "utf-8", "ok"), slots, list(clues))


def test_plan_masks_names_in_every_copy_and_long_names_wherever_they_stand():
    text_a = ("过去一年，是×发展史上极不平凡的一年。\n"
              "开工建设轩岗镇至云水镇段、段家堡至下政化段，以及黄河长城板块连接线段家堡至宁武暖泉沟段工程。\n"
              "全年地区生产总值完成×亿元。\n")
    text_b = ("过去一年，是原平发展史上极不平凡的一年。\n"
              "开工建设轩岗镇至云水镇段、段家堡至下政化段，以及黄河长城板块连接线段家堡至宁武暖泉沟段工程。\n"
              "全年地区生产总值完成×亿元。\n")
    # The clue finder skipped the second 段家堡 (连接线段 reads as a word).
    def found(doc, text):
        first = text.index("段家堡")
        return [clue(doc, text, "轩岗", text.index("轩岗"), weight=3.0),
                clue(doc, text, "段家堡", first, level="village", weight=3.2)]
    a = analysed("a.txt", text_a, found("a.txt", text_a))
    b = analysed("b.txt", text_b, found("b.txt", text_b) + [clue("b.txt", text_b, "原平", 6, level="county", weight=6)])
    result = AuditResult([a, b], identities=[
        Identity("a.txt", "G1", len(a.slots), YUANPING, "county", 0.99, 1, "re-identified", risk=0.99,
                 top_clues=a.clues[:1]),
        Identity("b.txt", "G1", len(b.slots), YUANPING, "county", 0.99, 1, "re-identified", risk=0.99,
                 top_clues=b.clues[:1],
                 names_own_place=[b.clues[-1]]),
    ], inconsistencies=[Inconsistency("a.txt", a.slots[0].slot_id, "b.txt", 6, 8, "原平")])
    policy = Policy(keep_suffixes=SUFFIXES)
    names: dict[str, set[str]] = {}
    edits = _Plan(result, evaluate(result, policy), policy, names).build()
    # one pick for the group (段家堡 weighs most), plus b's own name, kept for each copy
    assert names == {"a.txt": {"段家堡", "原平"}, "b.txt": {"段家堡", "原平"}}
    new_a, _ = apply_edits(text_a, edits["a.txt"])
    new_b, applied_b = apply_edits(text_b, edits["b.txt"])
    assert new_a == text_a.replace("段家堡", "×")
    assert new_b == text_b.replace("原平", "×").replace("段家堡", "×")
    assert Counter(e.reason for e in applied_b) == {"clue": 2, "near-duplicate-leak": 1}
    # a two-character name is masked only where the clue finder saw it
    names["a.txt"].add("轩岗")
    text_c = text_a.replace("云水镇", "轩岗北")
    c = analysed("a.txt", text_c, found("a.txt", text_c))
    plan = _Plan(AuditResult([c], identities=[result.identities[0]]), evaluate(result, policy), policy, names)
    plan._mask_names(c, plan.name_parts(names["a.txt"]))
    assert apply_edits(text_c, plan.edits["a.txt"])[0] == text_c.replace("轩岗镇", "×镇", 1).replace("段家堡", "×")


def test_names_of_one_length_are_masked_the_same_whatever_order_they_come_in():
    # A set of names iterates in an order that changes with the process's hash seed: two runs,
    # or two workers, must mask a clue holding two names of one length alike.
    text = "建设吐鲁番葡萄沟景区。\n"
    analysis = analysed("a.txt", text, [clue("a.txt", text, "吐鲁番葡萄沟", 2, kind="landmark", level="")])
    result = AuditResult([analysis], identities=[])
    policy = Policy(keep_suffixes=SUFFIXES, literal_min_chars=4)
    masked = set()
    for names in (["吐鲁番", "葡萄沟"], ["葡萄沟", "吐鲁番"]):
        plan = _Plan(result, evaluate(result, policy), policy, {})
        plan._mask_names(analysis, plan.name_parts(names))
        masked.add(apply_edits(text, plan.edits["a.txt"])[0])
    assert len(masked) == 1, masked


def test_a_slot_a_copy_reveals_is_masked_in_every_copy_that_shows_it():
    # The linker names one copy that reveals a slot (of the clearest few); masked only
    # there, the slot would show in the next copy a round later, and so on down a group.
    masked = "今年将启动×古城修复活化、低空旅游飞行项目。\n建成污水处理厂。\n"
    clear = "今年将启动崞阳古城修复活化、低空旅游飞行项目。\n建成污水处理厂。\n"
    a, b, c = analysed("a.txt", masked), analysed("b.txt", clear), analysed("c.txt", clear + "完成净化工程。\n")
    slot = a.slots[0]
    result = AuditResult([a, b, c], identities=[
        Identity(doc, "G1", len(x.slots), "", "", 0.02, 60, "protected" if x.slots else "not-anonymised", risk=0.02)
        for doc, x in (("a.txt", a), ("b.txt", b), ("c.txt", c))
    ], inconsistencies=[Inconsistency("a.txt", slot.slot_id, "b.txt", 5, 7, "崞阳")])
    policy = Policy(keep_suffixes=SUFFIXES)
    gate = evaluate(result, policy)
    assert {d.doc for d in gate.failed_documents} >= {"a.txt"}
    one_copy = _Plan(result, gate, policy, {}).build()
    assert set(one_copy) == {"b.txt"}
    every_copy = _Plan(result, gate, policy, {}, rules=load_rules()).build()
    assert {doc: apply_edits(result.analysis(doc).source.text, edits)[0] for doc, edits in every_copy.items()} == {
        "b.txt": clear.replace("崞阳", "×"), "c.txt": (clear + "完成净化工程。\n").replace("崞阳", "×")}


def test_a_copy_that_shows_a_slot_at_two_places_is_masked_at_both_in_one_round():
    # A copy may state one phrase of two years (the bench's reports: 高新技术企业4500家以上 and,
    # later, 1000家以上). The linker names the first place; masked there alone, the second showed a
    # round later, and a group's rounds went on one place at a time.
    masked = "新增科技型中小企业×家、高新技术企业×家以上。\n建成污水处理厂。\n"
    clear = ("新增科技型中小企业2000家、高新技术企业4500家以上。\n建成污水处理厂。\n"
             "力争新增科技型中小企业3000家、高新技术企业1000家以上。\n")
    a, b = analysed("a.txt", masked), analysed("b.txt", clear)
    slot = next(s for s in a.slots if s.left_context.endswith("高新技术企业"))
    at = clear.index("4500")
    result = AuditResult([a, b], identities=[
        Identity(doc, "G1", len(x.slots), "", "", 0.02, 60, "protected" if x.slots else "not-anonymised", risk=0.02)
        for doc, x in (("a.txt", a), ("b.txt", b))
    ], inconsistencies=[Inconsistency("a.txt", slot.slot_id, "b.txt", at, at + 4, "4500")])
    policy = Policy(keep_suffixes=SUFFIXES)
    edits = _Plan(result, evaluate(result, policy), policy, {}, rules=load_rules()).build()
    new_b, _ = apply_edits(clear, edits["b.txt"])
    assert "4500" not in new_b and "1000" not in new_b
    assert "2000" in new_b and "3000" in new_b  # the other slot's leaks are not in this result


def test_names_masked_stay_with_their_documents_when_group_labels_move():
    # A group's label is one link's: when a copy's text changes, groups found before it are
    # numbered anew, and G1 of the next round may be other documents. What a masks must not
    # follow the label to b.
    text_a = "过去一年，是×发展史上极不平凡的一年。开工建设轩岗镇至云水镇段、段家堡至下政化段。\n"
    text_b = "全年地区生产总值完成×亿元。段家堡村新建文化广场一处。\n"
    def found(doc, text, names):
        return [clue(doc, text, name, text.index(name), level="village", weight=weight)
                for name, weight in names if name in text]
    a = analysed("a.txt", text_a, found("a.txt", text_a, [("段家堡", 3.2), ("轩岗", 3.0)]))
    b = analysed("b.txt", text_b, found("b.txt", text_b, [("段家堡", 0.5)]))
    policy = Policy(keep_suffixes=SUFFIXES)

    def round_of(a, b, group_a, group_b, a_fails):
        return AuditResult([a, b], identities=[
            Identity("a.txt", group_a, len(a.slots), YUANPING, "county", 0.99 if a_fails else 0.02,
                     1 if a_fails else 60, "re-identified" if a_fails else "protected",
                     risk=0.99 if a_fails else 0.02, top_clues=a.clues[:1]),
            Identity("b.txt", group_b, len(b.slots), "", "", 0.02, 60, "protected", risk=0.02),
        ])

    names: dict[str, set[str]] = {}
    first = round_of(a, b, "G1", "G2", True)
    edits = _Plan(first, evaluate(first, policy), policy, names).build()
    assert set(edits) == {"a.txt"}
    masked_a = analysed("a.txt", apply_edits(text_a, edits["a.txt"])[0])
    masked_a = replace(masked_a, clues=found("a.txt", masked_a.source.text, [("轩岗", 3.0)]))
    second = round_of(masked_a, b, "G2", "G1", True)
    edits = _Plan(second, evaluate(second, policy), policy, names).build()
    assert not edits.get("b.txt")
    assert names["a.txt"] == {"段家堡", "轩岗"} and "b.txt" not in names


# --- the loop, with a transparent finder and linker ------------------------------

# name: (kind, level, weight). The identity is 原平 when the weights of the
# names left in clear add up to 5 or more; at risk (3 places) from 2.5.
PLACES = {
    "原平": ("admin", "county", 5.0),
    "崞阳": ("admin", "town", 3.0),
    "轩岗": ("admin", "town", 2.0),
    "滹沱河": ("landmark", "", 1.0),
}

TEXT_000 = (
    "现在，我代表原平市人民政府向大会报告工作。\r\n"
    "过去一年，是×发展史上极不平凡的一年。\r\n"
    "启动崞阳古城修复活化、低空旅游飞行、红色文化旅游项目和×处红色遗址认定。\r\n"
    "开工建设轩岗镇至云水镇段、段家堡至下政化段。\r\n"
    "建成崞阳污水处理厂、张村生活污水处理站，完成滹沱河入河净化工程。\r\n"
)
TEXT_001 = (
    "当前位置:九力公文网>专题范文 > 讲话稿\n"
    "过去一年，是原平发展史上极不平凡的一年。\n"
    "启动崞阳古城修复活化、低空旅游飞行、红色文化旅游项目和×处红色遗址认定。\n"
    "建成崞阳污水处理厂、张村生活污水处理站，完成滹沱河入河净化工程。\n"
)
TEXT_002 = "太原市2021年地区生产总值完成5121.61亿元，增长8.9%。\n"


class PlaceListFinder:
    @classmethod
    def default(cls, rules):
        return cls()

    def fingerprint(self, text):
        import zlib

        return tuple(sorted(zlib.crc32(s.encode()) for s in re.split("[。\n]", text) if len(s) > 12))

    def find(self, doc, text, runs=None, earlier=None):  # reads every line again: what a re-read must give
        found = []
        for name, (kind, level, _) in PLACES.items():
            for match in re.finditer(name, text):
                found.append(clue(doc, text, name, match.start(), kind=kind, level=level))
        return found


def weight_link(analyses, rules, runner=None, kept=None, recover_slots=True):
    analyses = [replace(a, clues=[replace(c, weight=PLACES[c.text][2]) for c in a.clues]) for a in analyses]
    readable = [a for a in analyses if a.source.ok]
    groups = {}  # doc -> group: documents sharing a long sentence are copies
    for a in readable:
        shared = next((b for b in readable if b.doc in groups and set(a.fingerprint) & set(b.fingerprint)), None)
        groups[a.doc] = groups[shared.doc] if shared else f"G{len(set(groups.values())) + 1}"
    identities = []
    for a in readable:
        total = sum(PLACES[t][2] for t in {c.text for c in a.clues})
        confidence, anonymity_set, verdict = (
            (0.99, 1, "re-identified") if total >= 5 else (0.4, 3, "at-risk") if total >= 2.5 else (0.02, 60, "protected"))
        firsts = {c.text: c for c in reversed(a.clues)}
        identities.append(Identity(
            a.doc, groups[a.doc], len(a.slots), YUANPING, "county", confidence, anonymity_set,
            verdict if a.slots else "not-anonymised",
            risk=confidence,  # calibrated, in this transparent model
            top_clues=sorted(firsts.values(), key=lambda c: -c.weight),
            names_own_place=[c for c in a.clues if c.text == "原平"] if a.slots else []))
    inconsistencies = []
    for a in readable:
        for b in readable:
            if a is b or groups[a.doc] != groups[b.doc]:
                continue
            for slot in a.slots:
                left, right = a.source.text[slot.start - 4:slot.start], a.source.text[slot.end:slot.end + 4]
                if len(left) < 4 or "×" in left + right or "\n" in left + right:
                    continue
                match = re.search(re.escape(left) + "([^×\n]{1,8}?)" + re.escape(right), b.source.text)
                if match:
                    inconsistencies.append(
                        Inconsistency(a.doc, slot.slot_id, b.doc, match.start(1), match.end(1), match.group(1)))
    return Linkage(analyses, identities, inconsistencies, None)


@pytest.fixture
def place_list_pipeline(monkeypatch):
    # the scan and fix take these by name when they load
    monkeypatch.setattr("auditor.scan.ClueFinder", PlaceListFinder)
    monkeypatch.setattr("auditor.scan.link_corpus", weight_link)
    # analyzers built earlier in this process hold the real clue finder
    monkeypatch.setattr("auditor.scan._analyzers", {})


@pytest.fixture
def small_corpus(tmp_path):
    folder = tmp_path / "corpus"
    (folder / "web").mkdir(parents=True)
    (folder / "000.txt").write_bytes(TEXT_000.encode("utf-8"))
    (folder / "web" / "001.txt").write_bytes(TEXT_001.encode("utf-8-sig"))
    (folder / "002.txt").write_bytes(TEXT_002.encode("gb18030"))
    return folder


def snapshot(folder):
    return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.rglob("*")) if p.is_file()}


def test_fix_masks_the_fewest_names_consistently_and_proves_it(place_list_pipeline, small_corpus, tmp_path):
    before = snapshot(small_corpus)
    out = tmp_path / "fixed"
    report = remediate(small_corpus, out, policy=load_policy(REPO_POLICY))
    assert snapshot(small_corpus) == before  # inputs never touched
    assert report.passed and report.after.passed and not report.before.passed

    fixed_000 = (out / "000.txt").read_bytes().decode("utf-8")
    # 原平 (its own name) and then, greedy by weight, 崞阳 and 轩岗; 滹沱河 alone is
    # not enough to re-identify, so it stays.
    assert fixed_000 == (TEXT_000.replace("原平市", "×市").replace("崞阳", "×").replace("轩岗镇", "×镇"))
    raw_001 = (out / "web" / "001.txt").read_bytes()
    assert raw_001.startswith(codecs.BOM_UTF8)
    # the copy shows what 000 masks (是原平发展): masked there; 崞阳 masked alike
    assert raw_001.decode("utf-8-sig") == TEXT_001.replace("原平", "×").replace("崞阳", "×")
    assert (out / "002.txt").read_bytes() == TEXT_002.encode("gb18030")

    doc = report.document(f"{small_corpus.as_posix()}/000.txt")  # names keep the input folder
    assert dict(doc.masked) == {"原平": 1, "崞阳": 2, "轩岗": 1}
    assert doc.chars_masked == 8
    assert (doc.before.status, doc.before.identity.verdict) == ("fail", "re-identified")
    assert (doc.after.status, doc.after.identity.verdict) == ("pass", "protected")
    assert report.rounds == 2
    copy = report.document(f"{small_corpus.as_posix()}/web/001.txt")
    assert dict(copy.masked) == {"原平": 1, "崞阳": 2} and copy.after.status == "pass"
    assert not report.document(f"{small_corpus.as_posix()}/002.txt").changed

    data = json.loads(json.dumps(fix_to_json(report), ensure_ascii=False))
    entry = next(d for d in data["documents"] if d["doc"] == f"{small_corpus.as_posix()}/000.txt")
    assert entry["chars_masked"] == 8 and entry["after"]["verdict"] == "protected"
    assert data["reaudit"]["passed"] is True


def test_plan_fix_names_what_fix_would_mask_and_writes_nothing(place_list_pipeline, small_corpus, tmp_path):
    result = audit(small_corpus)
    before = snapshot(small_corpus)
    linked = [(c.doc, c.text, c.start, c.weight) for a in result.analyses for c in a.clues]
    plan = plan_fix(result, load_policy(REPO_POLICY))
    assert snapshot(small_corpus) == before and list(tmp_path.iterdir()) == [small_corpus]
    # the audit is left as it was: the report drawn from it after the plan shows its own weights
    assert [(c.doc, c.text, c.start, c.weight) for a in result.analyses for c in a.clues] == linked

    name = f"{small_corpus.as_posix()}/000.txt"
    planned = plan.document(name)
    # where each run stands in the original text, though round 2 masks a text
    # that round 1 already shortened (原平市 -> ×市 before 轩岗镇)
    assert [(s.line, s.column, s.text, s.label, s.round) for s in planned.spans] == [
        (1, 7, "原平", "原平", 1), (3, 3, "崞阳", "崞阳", 1), (4, 5, "轩岗", "轩岗", 2), (5, 3, "崞阳", "崞阳", 1)]
    original = result.analysis(name).source.text
    assert all(original[s.start:s.end] == s.text for s in planned.spans)
    assert planned.chars_masked == 8 and plan.rounds == 2
    assert (planned.before.status, planned.after.status, planned.after.identity.verdict) == ("fail", "pass", "protected")
    copy_001 = plan.document(f"{small_corpus.as_posix()}/web/001.txt")
    assert {(s.text, s.reason) for s in copy_001.spans} == {("原平", "near-duplicate-leak"), ("崞阳", "clue")}
    assert not plan.document(f"{small_corpus.as_posix()}/002.txt").spans

    # what fix then does, the same
    report = remediate(small_corpus, tmp_path / "fixed", policy=load_policy(REPO_POLICY))
    for fixed in report.documents:
        assert dict(plan.document(fixed.doc).masked) == dict(fixed.masked), fixed.doc
        assert plan.document(fixed.doc).chars_masked == fixed.chars_masked


def test_fix_that_runs_out_of_rounds_says_so(place_list_pipeline, small_corpus, tmp_path):
    report = remediate(small_corpus, tmp_path / "fixed", policy=Policy(max_rounds=1, keep_suffixes=SUFFIXES))
    assert not report.passed
    doc = report.document(f"{small_corpus.as_posix()}/000.txt")
    assert doc.after.status == "fail" and doc.after.identity.verdict == "at-risk"
    assert "still failing after 1 round(s)" in doc.stuck


def test_fix_refuses_outputs_that_could_touch_the_inputs(small_corpus, tmp_path):
    with pytest.raises(FixError, match="inside the input folder"):
        remediate(small_corpus, small_corpus / "fixed")
    with pytest.raises(FixError, match="inside the input folder"):
        remediate(small_corpus, small_corpus)
    with pytest.raises(FixError, match="would overwrite an input file"):
        remediate(small_corpus / "000.txt", small_corpus)
    with pytest.raises(FixError, match="no such file or folder"):
        remediate(tmp_path / "nowhere", tmp_path / "fixed")


def test_fix_command_exit_codes(place_list_pipeline, small_corpus, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    outcome = runner.invoke(main, ["fix", "corpus", "--out", "fixed", "-j", "1"])
    assert outcome.exit_code == 0, outcome.output
    assert "  fixed/000.txt: fail, re-identified, risk 99%, anonymity set 1 -> pass, protected, risk 2%, anonymity set 60; " \
           "masked 4 occurrence(s) of 3 clue(s), 8 of 140 characters (5.71%): 崞阳 ×2, 原平 ×1, 轩岗 ×1" \
           in outcome.stdout
    assert "Re-audit of fixed: all 3 document(s) pass the policy" in outcome.stdout
    check = runner.invoke(main, ["check", "fixed", "-j", "1"])
    assert check.exit_code == 0, check.output
    assert runner.invoke(main, ["check", "corpus", "-j", "1"]).exit_code == 1

    (tmp_path / "one-round.toml").write_text("[fix]\nmax_rounds = 1\n", encoding="utf-8")
    (tmp_path / "again").mkdir()
    (tmp_path / "again" / "notes.txt").write_text("上次留下的笔记。\n", encoding="utf-8")
    outcome = runner.invoke(main, ["fix", "corpus", "--out", "again", "--policy", "one-round.toml"])
    # what auditor did not write is kept beside the copies
    assert outcome.exit_code == 1, outcome.output
    assert (tmp_path / "again" / "notes.txt").read_text(encoding="utf-8") == "上次留下的笔记。\n"
    assert (tmp_path / "again" / "000.txt").is_file()
    outcome = runner.invoke(main, ["fix", "corpus", "--out", "fixed", "--policy", "one-round.toml"])
    assert outcome.exit_code == 1  # the folder of the first run is auditor's: replaced
    assert "not fixed: still failing after 1 round(s)" in outcome.stdout

    outcome = runner.invoke(main, ["fix", "corpus", "--out", "corpus/fixed"])
    assert outcome.exit_code == 2 and "inside the input folder corpus" in outcome.stderr
    outcome = runner.invoke(main, ["fix", "nowhere", "--out", "fixed"])
    assert outcome.exit_code == 2 and "no such file or folder: nowhere" in outcome.stderr
    outcome = runner.invoke(main, ["fix", "corpus"])
    assert outcome.exit_code == 2 and "--out" in outcome.stderr


# --- end to end on seeds/ -------------------------------------------------------

needs_linker = pytest.mark.skipif(importlib.util.find_spec("auditor.reduce.linker") is None, reason="linker not available")


@pytest.fixture(scope="module")
def fixed_seeds(tmp_path_factory):
    from auditor.cli import main as cli

    out = tmp_path_factory.mktemp("fixed") / "seeds"
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    before = {p.name: p.read_bytes() for p in seeds.iterdir()}
    outcome = CliRunner().invoke(cli, ["fix", str(seeds), "--out", str(out), "-j", "1", "--format", "json"])
    assert {p.name: p.read_bytes() for p in seeds.iterdir()} == before
    return outcome, out, seeds


@needs_linker
def test_fix_seeds_then_check_passes(fixed_seeds):
    outcome, out, _ = fixed_seeds
    assert outcome.exit_code == 0, outcome.output
    data = json.loads(outcome.stdout)
    changed = {Path(d["doc"]).name[:3] for d in data["documents"] if d["chars_masked"]}
    assert changed == {"000", "001"}
    check = CliRunner().invoke(main, ["check", str(out), "-j", "1", "-q"])
    assert check.exit_code == 0, check.output


@needs_linker
def test_plan_on_seeds_is_what_fix_masks(fixed_seeds):
    from conftest import audit_seeds

    outcome, _, _ = fixed_seeds
    plan = plan_fix(audit_seeds())
    for entry in json.loads(outcome.stdout)["documents"]:
        planned = plan.document("seeds/" + Path(entry["doc"]).name)
        assert planned.chars_masked == entry["chars_masked"], entry["doc"]
        assert dict(planned.masked) == {m["text"]: m["count"] for m in entry["masked"]}
        assert planned.after.status == entry["after"]["status"]
    planned = plan.document("seeds/000_f10a573ecf1e5254.txt")
    assert planned.chars_masked > 0 and planned.before.status == "fail"


@needs_linker
def test_a_round_masks_the_places_a_copy_would_be_taken_for_one_after_another():
    # Masking the place a copy names in clear moves a reader's guess to another place the text
    # names (a 济宁 report: 宁德, then 路北, 苏州, 深圳, 北京 on the bench), which it then names in clear
    # too: a round of the plan masks them one after another, as the look-ahead says, not one a round.
    text = "×县与代县共建滹沱河生态廊道，组团赴北京、深圳招商。\n"
    clues = [clue("a.txt", text, name, text.index(name), level="county", weight=1.0) for name in ("代县", "北京", "深圳")]
    analysis = analysed("a.txt", text, clues)

    def taken_for(names_left):
        place = names_left[0] if names_left else ""
        return Identity("a.txt", "G1", len(analysis.slots), place, "county", 0.1, 12, "protected", risk=0.1,
                        names_own_place=[c for c in clues if c.text == place])

    class Reader(_LookAhead):
        """Takes the copy for the first of its places still in clear (the linker, scripted)."""

        def __init__(self, policy):
            self.policy = policy

        def still_failing(self, masked, group, docs):
            (copy,) = masked
            identity = taken_for([c.text for c in copy.clues])
            return ([copy], [identity]) if self.fails(identity) else ([], [])

    policy = Policy(keep_suffixes=SUFFIXES)
    result = AuditResult([analysis], identities=[taken_for(["代县", "北京", "深圳"])])
    gate = evaluate(result, policy)
    assert {f.rule for f in gate.document("a.txt").findings if f.fails} == {"names-own-place"}
    names: dict[str, set[str]] = {}
    edits = _Plan(result, gate, policy, names, Reader(policy)).build()
    assert names == {"a.txt": {"代县", "北京", "深圳"}}
    assert apply_edits(text, edits["a.txt"])[0] == "×县与×县共建滹沱河生态廊道，组团赴×、×招商。\n"
    # Without a look-ahead, one round masks what the gate names, and the next link says what is left.
    names = {}
    _Plan(result, gate, policy, names).build()
    assert names == {"a.txt": {"代县"}}


def test_a_round_masks_names_until_the_copies_would_pass(monkeypatch):
    from conftest import audit_seeds

    result = audit_seeds()
    doc = "seeds/000_f10a573ecf1e5254.txt"
    ahead = plan_fix(result)
    # One name a round, each round read and linked again: what the look-ahead saves.
    monkeypatch.setattr("auditor.fix._LookAhead.of", classmethod(lambda cls, *args: None))
    one_by_one = plan_fix(result)
    for plan in (ahead, one_by_one):
        assert plan.before.document(doc).failed and not plan.after.document(doc).failed
    masked_ahead, masked_one_by_one = set(ahead.document(doc).masked), set(one_by_one.document(doc).masked)
    assert len(masked_one_by_one) >= 10 and one_by_one.rounds >= 10
    assert ahead.rounds <= 3
    # Nearly the same names: the look-ahead masks, in its one round, the clear names of the places
    # the report would be taken for on the way (河南 of 河南省), as the rounds one name at a time do.
    assert len(masked_one_by_one - masked_ahead) <= 2 and len(masked_ahead - masked_one_by_one) <= 2, \
        (masked_ahead, masked_one_by_one)


@needs_linker
def test_fixed_000_still_reads_as_the_same_report(fixed_seeds, seed_text):
    outcome, out, _ = fixed_seeds
    data = json.loads(outcome.stdout)
    entry = next(d for d in data["documents"] if Path(d["doc"]).name.startswith("000"))
    original = seed_text("000")
    fixed = Path(entry["target"]).read_text(encoding="utf-8")
    assert len(fixed.splitlines()) == len(original.splitlines())
    # A few dozen characters of a 13,000-character report, nothing else changed.
    assert 0 < entry["chars_masked"] < 0.01 * len(original)
    assert difflib.SequenceMatcher(None, original, fixed, autojunk=False).ratio() > 0.99
    for before, after in zip(original.splitlines(), fixed.splitlines()):
        if before != after:
            # every change is a clear run turned into ×
            pattern = "".join("[^\n]+?" if ch == "×" else re.escape(ch) for ch in after)
            assert re.fullmatch(pattern, before), (before, after)
    # consistency: no name masked somewhere is left in clear in either copy
    copy = next(d for d in data["documents"] if Path(d["doc"]).name.startswith("001"))
    copy_text = Path(copy["target"]).read_text(encoding="utf-8")
    for masked in entry["masked"]:
        if len(masked["text"]) >= 3:
            assert masked["text"] not in fixed and masked["text"] not in copy_text, masked


def test_the_review_reads_with_the_audits_analyzer_however_the_shipped_rules_were_asked_for():
    # plan_fix without rules loads load_rules(None); an audit made with load_rules() had a
    # Rules object of its own, so the review built a second clue finder and read with cold memos.
    from auditor.scan import analyzer_for

    assert load_rules() is load_rules(None) is load_rules("")
    assert analyzer_for(load_rules()) is analyzer_for(load_rules(None))


@needs_linker
def test_the_plan_reads_its_masked_copies_the_same_in_forked_workers(monkeypatch, tmp_path):
    # Each round's masked copies are read again by the runner's tasks, copies of a text
    # together: two tasks a round over two forked processes plan what one process plans.
    from auditor.fix import plan_fix
    from auditor.runner import Runner

    seeds = Path(__file__).resolve().parent.parent / "seeds"
    for seed in sorted(seeds.glob("*.txt")):
        (tmp_path / seed.name).write_bytes(seed.read_bytes())
    copy = (tmp_path / sorted(p.name for p in seeds.glob("000_*.txt"))[0]).read_text(encoding="utf-8")
    (tmp_path / "republished.txt").write_text(copy.replace("。", "。\n", 3), encoding="utf-8")
    rules = load_rules()
    result = audit([tmp_path], rules)
    monkeypatch.setattr("auditor.scan.CLUE_TASK_DOCUMENTS", 1)
    plans = [plan_fix(result, rules=rules, runner=Runner(workers)) for workers in (1, 2)]

    def masked(plan):
        return {doc: [(s.start, s.end, s.replacement, s.round) for s in fix.spans] for doc, fix in plan.documents.items()}

    assert masked(plans[0]) == masked(plans[1])
    assert sum(len(spans) for spans in masked(plans[0]).values()) > 0
    assert [d.status for d in plans[0].after.documents] == [d.status for d in plans[1].after.documents]

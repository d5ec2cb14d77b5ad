"""The linker on the demo corpus and on redacted dev-eval reports: identities,
levels, confidence, anonymity sets, verdicts, and leaks between near-duplicates."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

import auditor
from conftest import run_audit_in, write_masked_copies
from auditor.reduce.linker import LinkerConfig, Posterior, verdict
from auditor.records import Identity
from auditor.redact import names_for, redact_text
from auditor.reduce.risk import calibrated
from auditor.rules import load_rules
from auditor.output.tables import CLUE_COLUMNS, DOCUMENT_COLUMNS, SLOT_COLUMNS

YUANPING = "山西省/忻州市/原平市"
DEV_EVAL = Path(__file__).resolve().parent.parent.parent / "shared" / "dev-eval"


@pytest.fixture(scope="module")
def seeds_audit(audit_in, seeds_dir):
    return audit_in(seeds_dir.parent, "seeds")


def seed_prefix(doc: str) -> str:
    """'000' for seeds/000_f10a573ecf1e5254.txt."""
    return doc.removeprefix("seeds/")[:3]


@pytest.fixture(scope="module")
def config() -> LinkerConfig:
    return load_rules().linker


def identity_of(result, prefix: str) -> Identity:
    (identity,) = [i for i in result.identities if i.doc.removeprefix("seeds/").startswith(prefix)]
    return identity


# -- the demo corpus -----------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["000", "001"])
def test_redacted_report_is_yuanping(seeds_audit, config, prefix):
    identity = identity_of(seeds_audit, prefix)
    assert identity.identity == YUANPING
    assert identity.identity_level == "county"
    assert identity.confidence >= 0.9
    assert identity.n_slots > 250
    assert identity.verdict == "re-identified"
    assert identity.candidates[0].path == YUANPING
    # The candidates hold the posterior; the confidence is its top, calibrated.
    assert identity.confidence == pytest.approx(calibrated(identity.candidates[0].probability, *config.calibration))


def test_both_copies_of_the_report_share_a_group(seeds_audit):
    groups = {seed_prefix(i.doc): i.group for i in seeds_audit.identities}
    assert groups["000"] == groups["001"]
    assert len({groups[p] for p in ("000", "002", "003", "004")}) == 4


@pytest.mark.parametrize("prefix", ["000", "001"])
def test_town_names_are_among_the_top_clues(seeds_audit, prefix):
    identity = identity_of(seeds_audit, prefix)
    texts = [c.text for c in identity.top_clues]
    assert any(t.startswith("崞阳") for t in texts), texts
    assert any(t.startswith("轩岗") for t in texts), texts
    assert all(c.weight > 0 for c in identity.top_clues)
    weights = [c.weight for c in identity.top_clues]
    assert weights == sorted(weights, reverse=True)
    # The documents table lists them too.
    row = seeds_audit.documents.set_index("doc").loc[identity.doc]
    assert "崞阳" in row.top_clues and "轩岗" in row.top_clues


def test_clues_pointing_elsewhere_get_no_weight(seeds_audit):
    analysis = next(a for a in seeds_audit.analyses if seed_prefix(a.doc) == "000")
    g = seeds_audit.gazetteer
    outside = [c for c in analysis.clues if c.candidates and not any(g.path(u).startswith("山西省") for u in c.candidates)]
    assert outside, "000 names places outside 山西 (中国地质大学（武汉）…): the test would be vacuous"
    assert [c for c in outside if c.weight != 0] == []


@pytest.mark.parametrize(
    "prefix, place",
    [
        ("002", "山西省/太原市"),
        ("003", "山西省/阳泉市"),  # names 盂县 ten times, 平定县 twice: still the prefecture
        ("004", "山西省/吕梁市"),
    ],
)
def test_clear_prefecture_reports(seeds_audit, prefix, place):
    identity = identity_of(seeds_audit, prefix)
    assert (identity.identity, identity.identity_level) == (place, "prefecture")
    assert identity.confidence >= 0.9
    assert identity.n_slots == 0
    assert identity.verdict == "not-anonymised"


def test_anonymity_set_agrees_with_risk(seeds_audit, config):
    for identity in seeds_audit.identities:
        assert identity.anonymity_set >= 1
        if identity.risk >= 0.5:  # the places within a factor of the top: never thousands
            assert identity.anonymity_set <= config.anonymity_factor + 1, identity.doc
        probabilities = [c.probability for c in identity.candidates]
        assert probabilities == sorted(probabilities, reverse=True)
        assert sum(probabilities) <= 1 + 1e-9


def test_documents_table(seeds_audit):
    frame = seeds_audit.documents
    assert list(frame.columns) == DOCUMENT_COLUMNS == [
        "doc", "group", "n_slots", "identity", "identity_level", "confidence", "risk", "anonymity_set", "verdict",
        "top_clues",
    ]
    assert len(frame) == 5
    row = frame.set_index("doc").loc["seeds/000_f10a573ecf1e5254.txt"]
    assert (row.identity, row.identity_level, row.verdict, row.n_slots) == (YUANPING, "county", "re-identified", 271)
    assert 0.9 <= row.confidence <= 1


def test_clues_table(seeds_audit):
    frame = seeds_audit.clues
    assert list(frame.columns) == CLUE_COLUMNS == ["doc", "start", "end", "line", "text", "kind", "candidates", "weight"]
    assert set(frame.kind) <= {"admin", "abbreviation", "landmark", "zone", "old-name", "geography", "code",
                               "unverified"}
    town = frame[(frame.doc == "seeds/000_f10a573ecf1e5254.txt") & (frame.text == "轩岗镇")]
    assert len(town) >= 1
    assert (town.candidates.str.contains(f"{YUANPING}/轩岗镇")).all()
    assert (town.weight > 0).all()
    assert (frame.end > frame.start).all()


def test_slots_table_has_recovery(seeds_audit):
    frame = seeds_audit.slots
    assert list(frame.columns) == SLOT_COLUMNS
    assert {"recovered", "recovered_confidence", "leak"} <= set(frame.columns)
    assert frame.leak.dtype == bool
    assert frame[frame.leak].recovered_confidence.min() >= 0.9


# -- verdict rules -------------------------------------------------------------------


def make_identity(n_slots: int, place: str, risk: float, anonymity_set: int) -> Identity:
    return Identity(doc="d.txt", group="G001", n_slots=n_slots, identity=place, identity_level="county",
                    confidence=risk, risk=risk, anonymity_set=anonymity_set)


def test_verdict_follows_risk_and_k_alone(config):
    sure = config.reidentified_confidence
    assert verdict(make_identity(0, YUANPING, 1.0, 1), config) == "not-anonymised"
    assert verdict(make_identity(0, "", 0.0, 3000), config) == "not-anonymised"
    assert verdict(make_identity(271, YUANPING, sure, 1), config) == "re-identified"
    assert verdict(make_identity(271, YUANPING, sure - 0.01, 1), config) == "at-risk"
    # At-risk above 1/K whatever the anonymity set says.
    assert verdict(make_identity(271, YUANPING, 0.21, 3000), config) == "at-risk"
    assert verdict(make_identity(271, YUANPING, 0.2, 2), config) == "protected"
    assert verdict(make_identity(271, YUANPING, 0.2, 2), config, k=10) == "at-risk"
    assert verdict(make_identity(271, "", 0.0, 1), config) == "protected"  # no identity, nothing at risk


def test_anonymity_set_counts_the_places_within_the_factor_of_the_top():
    posterior = Posterior({1: 0.6, 2: 0.3}, rest_each=0.001, rest_count=100)
    assert posterior.anonymity_set(10) == 2  # 0.3 is within 10× of 0.6; the rest is not
    assert posterior.anonymity_set(1000) == 102
    assert Posterior({1: 0.05, 2: 0.004}, rest_each=0.006, rest_count=100).anonymity_set(10) == 101
    # Without any evidence every unit is as likely: the set is everything.
    assert Posterior({}, rest_each=1 / 2800, rest_count=2800).anonymity_set(10) == 2800


# -- level decision on redacted dev-eval reports ------------------------------------


LEVEL_CASES = [
    "cty_sichuan_miyi_2022",
    "cty_anhui_huangshanqu_2024",  # 黄山区 of 黄山市: the county is named like its prefecture
    "pref_shanxi_changzhi_2023",
    "pref_yunnan_qujing_2023",
]


@pytest.fixture(scope="module")
def dev_eval_audit(tmp_path_factory):
    if not (DEV_EVAL / "manifest.csv").is_file():
        pytest.skip(f"dev-eval reports not found at {DEV_EVAL}")
    with open(DEV_EVAL / "manifest.csv", encoding="utf-8") as handle:
        truths = {row["id"]: row for row in csv.DictReader(handle) if row["id"] in LEVEL_CASES}
    folder = tmp_path_factory.mktemp("dev-eval-redacted")
    for case, truth in truths.items():
        county = truth["county"] if truth["level"] == "county" else None
        text = (DEV_EVAL / f"{case}.txt").read_text(encoding="utf-8")
        (folder / f"{case}.txt").write_text(redact_text(text, names_for(truth["province"], truth["prefecture"], county)),
                                            encoding="utf-8")
    return run_audit_in(folder), truths


@pytest.mark.parametrize("case", LEVEL_CASES)
def test_level_decision_on_redacted_reports(dev_eval_audit, case):
    result, truths = dev_eval_audit
    truth = truths[case]
    identity = identity_of(result, case)
    assert identity.n_slots > 0
    expected = "/".join(p for p in (truth["province"], truth["prefecture"], truth["county"]) if p)
    assert identity.identity_level == truth["level"]
    assert identity.identity == expected


CLEAR_LEVEL_CASES = {
    # named like its prefecture: 黄山 and 恩施 are short for both, so they decide nothing
    "cty_anhui_huangshanqu_2024": "安徽省/黄山市/黄山区",
    "cty_hubei_enshishi_2024": "湖北省/恩施土家族苗族自治州/恩施市",
    # names 集安 seven times, but speaks of 县（市、区）: the prefecture's report
    "pref_jilin_tonghua_2024": "吉林省/通化市",
}


@pytest.mark.parametrize("case", sorted(CLEAR_LEVEL_CASES))
def test_level_decision_on_clear_reports(case):
    if not (DEV_EVAL / f"{case}.txt").is_file():
        pytest.skip(f"dev-eval reports not found at {DEV_EVAL}")
    result = auditor.audit(DEV_EVAL / f"{case}.txt")
    (identity,) = result.identities
    assert identity.verdict == "not-anonymised"
    assert identity.identity == CLEAR_LEVEL_CASES[case]


def test_redacted_county_report_from_the_seeds_is_county(seeds_audit):
    # 000 says 我市 and 全市 like a prefecture report would; its towns make it a county.
    assert identity_of(seeds_audit, "000").identity_level == "county"
    assert identity_of(seeds_audit, "002").identity_level == "prefecture"


# -- inconsistent redaction between near-duplicates ----------------------------------


@pytest.fixture(scope="module")
def gouyang_copies(tmp_path_factory, seed_text):
    """Two copies of 000's tourism paragraphs: A masks 崞阳, B leaves it readable."""
    lines = seed_text("000").split("\n")[19:40]
    clear = "\n".join(lines) + "\n"
    assert clear.count("崞阳古城修复活化") == 1
    folder = tmp_path_factory.mktemp("gouyang-copies")
    (folder / "a_masked.txt").write_text(clear.replace("推进崞阳古城修复活化", "推进×古城修复活化"), encoding="utf-8")
    (folder / "b_clear.txt").write_text(clear, encoding="utf-8")
    return run_audit_in(folder)


def test_masked_town_is_revealed_by_the_clear_copy(gouyang_copies):
    result = gouyang_copies
    assert result.identity("a_masked.txt").group == result.identity("b_clear.txt").group
    (found,) = [i for i in result.inconsistencies if i.doc == "a_masked.txt"]
    assert (found.other_doc, found.revealed) == ("b_clear.txt", "崞阳")
    clear = result.analysis("b_clear.txt").source.text
    assert clear[found.other_start : found.other_end] == "崞阳"
    slot = next(s for s in result.analysis("a_masked.txt").slots if s.slot_id == found.slot_id)
    assert slot.right_context.startswith("古城修复活化")
    # The copy beats the identity (原平, also at near certainty) for this place slot.
    assert slot.recovered == "崞阳"
    assert slot.recovered_confidence >= 0.9
    assert slot.leak
    assert "b_clear.txt" in slot.recovered_evidence


def test_slots_masked_in_both_copies_reveal_nothing(gouyang_copies):
    # Every other × is in both copies: nothing readable, nothing reported.
    assert {i.doc for i in gouyang_copies.inconsistencies} == {"a_masked.txt"}
    assert len(gouyang_copies.inconsistencies) == 1


def test_a_slot_the_copy_masks_in_context_too_reveals_nothing(tmp_path, seed_text):
    # ?? is a mask only before Chinese text (??县, not a question's ??), so its characters are not
    # mask symbols: where both copies mask the same spot with it, the copy shows its own slot, not
    # the value. The bench's real reports carry such runs (县长 许 喆????各位代表) and fix masked
    # '????' with '????' round after round.
    lines = seed_text("000").split("\n")[19:40]
    clear = "\n".join(lines) + "\n"
    assert clear.count("崞阳古城修复活化") == 1
    assert clear.count("滹沱河") >= 1
    both = clear.replace("滹沱河", "??河")
    (tmp_path / "a_masked.txt").write_text(both.replace("推进崞阳古城修复活化", "推进×古城修复活化"), encoding="utf-8")
    (tmp_path / "b_clear.txt").write_text(both, encoding="utf-8")
    result = run_audit_in(tmp_path)
    assert any(s.mask == "??" for s in result.analysis("b_clear.txt").slots)
    assert [(i.doc, i.revealed) for i in result.inconsistencies] == [("a_masked.txt", "崞阳")]


@pytest.fixture(scope="module")
def taiyuan_copies(tmp_path_factory, seed_text):
    """Two copies of 002's opening, each masking different spots."""
    clear = "\n".join(seed_text("002").split("\n")[:12]) + "\n"
    for spot in ("完成营造林46万亩", "汾河四期工程", "清洁取暖覆盖率达到91%"):
        assert clear.count(spot) == 1, spot
    copy_a = clear.replace("完成营造林46万亩", "完成营造林×万亩").replace("汾河四期工程", "×四期工程")
    copy_b = clear.replace("清洁取暖覆盖率达到91%", "清洁取暖覆盖率达到×%")
    folder = tmp_path_factory.mktemp("taiyuan-copies")
    (folder / "copy_a.txt").write_text(copy_a, encoding="utf-8")
    (folder / "copy_b.txt").write_text(copy_b, encoding="utf-8")
    return run_audit_in(folder)


def test_each_copy_reveals_what_the_other_hides(taiyuan_copies):
    result = taiyuan_copies
    revealed = sorted((i.doc, i.other_doc, i.revealed) for i in result.inconsistencies)
    assert ("copy_a.txt", "copy_b.txt", "46") in revealed
    assert ("copy_a.txt", "copy_b.txt", "汾河") in revealed
    assert ("copy_b.txt", "copy_a.txt", "91") in revealed
    slots = {(s.doc, s.recovered): s for a in result.analyses for s in a.slots}
    for key in (("copy_a.txt", "46"), ("copy_a.txt", "汾河"), ("copy_b.txt", "91")):
        assert key in slots, key
        assert slots[key].leak


def test_unrelated_documents_reveal_nothing(seeds_audit):
    # 002–004 use × as a multiplication sign; they are not copies of 000.
    assert {seed_prefix(i.doc) for i in seeds_audit.inconsistencies} <= {"000", "001"}
    for found in seeds_audit.inconsistencies:
        assert seed_prefix(found.other_doc) in {"000", "001"} - {seed_prefix(found.doc)}


def test_copies_aligned_in_forked_processes_give_what_one_process_gives(tmp_path, seed_text, monkeypatch):
    """Several groups of copies, each copy masking other places: the linker
    with two workers (copies aligned in forked processes) finds the same
    inconsistencies, in the same order, and recovers the same values."""
    import auditor.reduce.linker as linker_module
    import auditor.runner as runner_module
    from auditor.map.loading import iter_input_files
    from auditor.runner import Runner
    from auditor.scan import linked as linked_audit, map_documents

    folder = tmp_path / "copies"
    folder.mkdir()
    for seed, first in (("002", 0), ("003", 0), ("004", 0)):
        write_masked_copies("\n".join(seed_text(seed).split("\n")[first : first + 20]) + "\n", folder, seed)

    def linked(workers: int):
        rules = load_rules()
        return linked_audit(map_documents(list(iter_input_files([folder])), rules, with_clues=True), rules, Runner(workers))

    alone = linked(1)
    monkeypatch.setattr(linker_module, "FORKED_ALIGNMENT_SLOTS", 0)
    forked_runs = []
    real = runner_module.Batch

    def counting(function, tasks, workers):
        batch = real(function, tasks, workers)
        if batch.forked and getattr(function, "func", function).__name__ == "align_groups":
            forked_runs.append(batch.tasks)
        return batch

    monkeypatch.setattr(runner_module, "Batch", counting)
    forked = linked(2)
    if runner_module.can_fork():
        assert forked_runs and len(forked_runs[0]) > 1  # the groups were split between processes
    assert len(alone.inconsistencies) > 20
    assert [vars_of(i) for i in forked.inconsistencies] == [vars_of(i) for i in alone.inconsistencies]
    assert [(s.doc, s.slot_id, s.recovered, s.recovered_confidence) for a in forked.analyses for s in a.slots] == [
        (s.doc, s.slot_id, s.recovered, s.recovered_confidence) for a in alone.analyses for s in a.slots
    ]


def vars_of(inconsistency) -> tuple:
    return (inconsistency.doc, inconsistency.slot_id, inconsistency.other_doc, inconsistency.other_start,
            inconsistency.other_end, inconsistency.revealed)

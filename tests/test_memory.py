"""Memory of a scan: what a slot holds, and the benchmark's big-file measurement (issue 10)."""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

import auditor

REPO_ROOT = Path(__file__).resolve().parent.parent

# The same sentence three times: its slots have the same surroundings.
REPEATED = "全年地区生产总值增长×%，固定资产投资增长××%。\n" * 3


def _bench():
    spec = importlib.util.spec_from_file_location("auditor_bench", REPO_ROOT / "scripts" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("auditor_bench", module)
    spec.loader.exec_module(module)
    return module


def test_slots_with_the_same_surroundings_hold_one_copy_of_their_strings(tmp_path):
    (tmp_path / "a.txt").write_text(REPEATED, encoding="utf-8")
    (analysis,) = auditor.audit([tmp_path / "a.txt"], link=False).analyses
    slots = analysis.slots
    assert len(slots) == 6
    first, second = slots[1], slots[3]  # 固定资产投资增长××% on lines 1 and 2
    assert (first.line, second.line) == (1, 2)
    assert first.left_context == second.left_context and len(first.left_context) > 1
    assert first.left_context is second.left_context
    assert first.right_context is second.right_context
    assert first.mask == "××" and first.mask is second.mask


def test_slot_positions_are_unchanged_by_sharing(tmp_path):
    (tmp_path / "a.txt").write_text(REPEATED, encoding="utf-8")
    (analysis,) = auditor.audit([tmp_path / "a.txt"], link=False).analyses
    text = analysis.source.text
    positions = [(s.slot_id, s.line, s.column, text[s.start : s.end]) for s in analysis.slots]
    assert positions == [
        ("S0001", 1, 11, "×"), ("S0002", 1, 22, "××"),
        ("S0003", 2, 11, "×"), ("S0004", 2, 22, "××"),
        ("S0005", 3, 11, "×"), ("S0006", 3, 22, "××"),
    ]


def test_bench_big_file_is_one_text_of_the_size_asked_and_reused(tmp_path):
    bench = _bench()
    path = tmp_path / "big" / "big.txt"
    description = bench.generate_big_file(path, 0.2, seed=7)
    data = path.read_bytes()
    assert len(data) == description["bytes"] >= 200_000
    text = data.decode("utf-8")
    assert "\r" not in text and description["variants"] >= 2
    # a redacted-looking text: the variants mask names and numbers
    assert any(glyph in text for glyph in ("×", "X", "＊", "□"))
    written = path.stat().st_mtime_ns
    assert bench.generate_big_file(path, 0.2, seed=7) == description
    assert path.stat().st_mtime_ns == written
    # the scan finds it to be one document
    (analysis,) = auditor.audit([path], link=False).analyses
    assert analysis.source.ok and analysis.slots


def test_bench_reports_main_process_memory_per_mb_of_input():
    bench = _bench()
    big = {"mb": 20.0, "variants": 469, "workers": 2, "slots": 83_557, "clues": 40_720, "seconds": 17.4,
           "main_peak_mb": 1091.0, "fixed_main_peak_mb": 197.0, "main_mb_per_input_mb": 44.7,
           "tree_sampled_peak_pss_mb": 909.0}
    figures = {"machine": {"cores": 2, "python": "3.11"}, "big_file": big}
    figures["targets"] = bench.judge(figures)
    text = bench.render(figures)
    assert "44.7 MB of main-process memory per MB of input" in text
    assert "peak RSS of the main process 1091 MB" in text
    (row,) = figures["targets"]
    assert row["met"] is (44.7 <= bench.TARGETS["main_mb_per_input_mb"])


@pytest.mark.parametrize("flag", ["--only-big-file"])
def test_bench_has_an_option_to_measure_the_big_file_only(flag, capsys):
    bench = _bench()
    with pytest.raises(SystemExit):
        bench.main(["--help"])
    assert flag in capsys.readouterr().out


def test_clues_of_a_repeated_line_share_their_text(tmp_path):
    # Copies of a text repeat its lines: the clue finder reads a line once, and
    # the clues of every copy of it hold one copy of each name.
    line = "××县轩岗镇推进崞阳古城修复活化。\n"
    (tmp_path / "a.txt").write_text(line * 2, encoding="utf-8")
    (tmp_path / "b.txt").write_text(line, encoding="utf-8")
    result = auditor.audit([tmp_path / "a.txt", tmp_path / "b.txt"])
    by_doc = {a.doc: [c for c in a.clues if c.text == "轩岗镇"] for a in result.analyses}
    (first, second), (third,) = by_doc.values()
    assert (first.line, second.line, third.line) == (1, 2, 1)
    assert first.text is second.text is third.text
    assert first.rule is third.rule and first.rule


def test_place_slots_recovered_from_the_identity_share_their_value_and_evidence(seeds_dir):
    result = auditor.audit([seeds_dir / "000_f10a573ecf1e5254.txt"])
    by_level: dict[str, list] = {}
    for slot in result.analyses[0].slots:
        if slot.slot_type == "place" and " of the inferred identity " in slot.recovered_evidence:
            by_level.setdefault(slot.place_level, []).append(slot)
    shared = [slots for slots in by_level.values() if len(slots) >= 2]
    assert shared, by_level
    for first, *others in shared:
        for other in others:
            assert other.recovered == first.recovered and other.recovered is first.recovered
            assert other.recovered_evidence is first.recovered_evidence


# A text with many slots and clues: its tables and its page are written in
# slices and pieces, and must come out as the whole would have.
MANY_SLOTS = "".join(f"第{n}段：××县轩岗镇投资增长××%，崞阳古城修复{n}处。\n" for n in range(40))


def _scan_bytes(tmp_path, name: str) -> dict[str, bytes]:
    source = tmp_path / "in" / "a.txt"
    if not source.exists():
        source.parent.mkdir()
        source.write_text(MANY_SLOTS, encoding="utf-8")
    out = tmp_path / name
    auditor.write_audit(auditor.audit([source]), out)
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_tables_and_pages_written_in_slices_are_the_bytes_of_the_whole(tmp_path, monkeypatch):
    whole = _scan_bytes(tmp_path, "whole")
    slots = json.loads(whole["slots.json"])
    assert len(slots) >= 80 and whole["slots.json"].endswith(b"\n }\n]\n")
    # Slices of 3 rows and pieces of 5 marks: many of each, and a short last one.
    monkeypatch.setattr("auditor.output.tables.JSON_ROWS_PER_SLICE", 3, raising=False)
    monkeypatch.setattr("auditor.output.report.markup.PIECE_PARTS", 5)
    sliced = _scan_bytes(tmp_path, "sliced")
    assert sliced.keys() == whole.keys()
    for name in whole:
        assert sliced[name] == whole[name], name


def test_an_empty_slots_table_is_still_an_empty_json_array(tmp_path):
    (tmp_path / "a.txt").write_text("全年地区生产总值稳步增长。\n", encoding="utf-8")
    auditor.write_audit(auditor.audit([tmp_path / "a.txt"]), tmp_path / "out")
    assert json.loads((tmp_path / "out" / "slots.json").read_text(encoding="utf-8")) == []
